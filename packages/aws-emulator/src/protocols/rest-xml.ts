import type { AwsError } from "../errors.js";
import { text } from "./xml.js";

/** S3's REST-XML errors: `<Error><Code/><Message/>...<RequestId/></Error>`. */
export function restXmlErrorBody(error: AwsError, requestId: string): string {
  const details = Object.entries(error.details)
    .map(([name, value]) => text(name, value))
    .join("");
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
    text("Code", error.code) +
    text("Message", error.message) +
    details +
    text("RequestId", requestId) +
    "</Error>"
  );
}

export const S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

export function s3Document(root: string, content: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_XMLNS}">${content}</${root}>`;
}
