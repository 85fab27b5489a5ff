import { AwsError } from "../errors.js";

/** One log line as CloudWatch Logs keeps it: epoch milliseconds, the text, when it was taken in. */
export interface LogEvent {
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
}

/**
 * CloudWatch Logs' groups and streams, in memory: what CodeBuild writes (`/aws/codebuild/PROJECT`,
 * one stream per build) and what branchline's web view reads back. Lines stay in time order.
 */
export class LogStore {
  private readonly groups = new Map<string, Map<string, LogEvent[]>>();

  constructor(private readonly now: () => Date) {}

  createGroup(group: string): void {
    if (this.groups.has(group))
      throw new AwsError("ResourceAlreadyExistsException", "The specified log group already exists", 400);
    this.groups.set(group, new Map());
  }

  createStream(group: string, stream: string): void {
    const streams = this.group(group);
    if (streams.has(stream))
      throw new AwsError("ResourceAlreadyExistsException", "The specified log stream already exists", 400);
    streams.set(stream, []);
  }

  /** Appends lines, making the group and stream on first use, as CodeBuild's own writer does. */
  write(
    group: string,
    stream: string,
    lines: readonly { readonly timestamp: number; readonly message: string }[],
  ): void {
    if (!this.groups.has(group)) this.groups.set(group, new Map());
    const streams = this.groups.get(group)!;
    const events = streams.get(stream) ?? [];
    streams.set(stream, events);
    const ingestionTime = this.now().getTime();
    for (const line of lines) events.push({ timestamp: line.timestamp, message: line.message, ingestionTime });
    events.sort((a, b) => a.timestamp - b.timestamp);
  }

  events(group: string, stream: string): readonly LogEvent[] {
    const events = this.group(group).get(stream);
    if (!events) throw new AwsError("ResourceNotFoundException", "The specified log stream does not exist.", 400);
    return events;
  }

  streams(group: string): string[] {
    return [...this.group(group).keys()];
  }

  groupNames(): string[] {
    return [...this.groups.keys()];
  }

  deleteGroup(group: string): void {
    this.group(group);
    this.groups.delete(group);
  }

  private group(group: string): Map<string, LogEvent[]> {
    const streams = this.groups.get(group);
    if (!streams) throw new AwsError("ResourceNotFoundException", "The specified log group does not exist.", 400);
    return streams;
  }
}
