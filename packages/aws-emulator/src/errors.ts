/**
 * An error as an AWS service reports it. Each protocol renders it in its own wire shape
 * (query `ErrorResponse`, JSON `__type`, REST-XML `<Error>`), so the SDK raises the same
 * exception class it would against AWS.
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    /** Extra REST-XML elements (S3 puts e.g. `BucketName` or `Key` beside the message). */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = code;
  }

  /** Query-protocol errors say whose fault it was; AWS uses Receiver for its own 5xx. */
  get faultType(): "Sender" | "Receiver" {
    return this.status >= 500 ? "Receiver" : "Sender";
  }
}

export function validationError(message: string): AwsError {
  return new AwsError("ValidationError", message, 400);
}
