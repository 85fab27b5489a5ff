// Types of eslint.layers.js, for the test that holds the README's diagram to it.
export interface Layer {
  readonly name: string;
  readonly paths: readonly string[];
}
export declare const LAYERS: readonly Layer[];
export declare function layerZones(): { target: string; from: string; message: string }[];
export declare function packageBoundaries(): object[];
