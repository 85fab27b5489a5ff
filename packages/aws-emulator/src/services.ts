/** The AWS services the emulator speaks, named as in SigV4 credential scopes. */
export const SERVICES = ["cloudformation", "codepipeline", "logs", "s3", "sts"] as const;
export type ServiceName = (typeof SERVICES)[number];

export function isServiceName(value: string): value is ServiceName {
  return (SERVICES as readonly string[]).includes(value);
}
