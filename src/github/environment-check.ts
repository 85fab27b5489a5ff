import type { ResourceChange } from "../aws/stacks.js";
import { addNote, createCheckRun, findCheckRun, updateCheckRun, type ExistingCheckRun } from "./check-runs.js";
import { checkRunName, renderCheckRun, type EnvironmentTarget, type Phase } from "./environment-report.js";
import type { InstallationOctokit } from "./octokit.js";

/**
 * The one check run of an environment at a commit. It keeps what has been done so far, so each
 * update shows the whole story; GitHub holds the state (external_id names the execution), so a
 * restarted process finds the run again instead of opening a second one.
 */
export class EnvironmentCheck {
  private readonly done: string[] = [];
  private readonly changes: ResourceChange[] = [];
  private readonly notes: string[] = [];

  private constructor(
    private readonly octokit: InstallationOctokit,
    readonly target: EnvironmentTarget,
    private id: number | undefined,
    readonly existing: ExistingCheckRun | null,
  ) {}

  /** Finds the check run for this environment and commit, if there is one; creates none yet. */
  static async open(octokit: InstallationOctokit, target: EnvironmentTarget, appId: number | undefined): Promise<EnvironmentCheck> {
    const existing = await findCheckRun(octokit, target.repo, target.commit, checkRunName(target.environment), appId);
    return new EnvironmentCheck(octokit, target, existing?.id, existing);
  }

  /** A check run that is not looked up first: for a commit that is known to have none yet. */
  static fresh(octokit: InstallationOctokit, target: EnvironmentTarget): EnvironmentCheck {
    return new EnvironmentCheck(octokit, target, undefined, null);
  }

  record(action: string, changes: readonly ResourceChange[] = []): void {
    this.done.push(action);
    this.changes.push(...changes);
  }

  /** The GitHub id of the check run, once it exists. */
  get checkRunId(): number | undefined {
    return this.id;
  }

  /**
   * A note to people above the summary, now and in every later update: an answer to a button
   * press must not vanish when the run's next progress is shown.
   */
  async note(text: string): Promise<void> {
    this.notes.push(text);
    if (this.id !== undefined) await addNote(this.octokit, this.target.repo, this.id, text);
  }

  async show(phase: Phase): Promise<void> {
    const content = renderCheckRun(this.target, { done: this.done, changes: this.changes, notes: this.notes }, phase);
    if (this.id === undefined) {
      this.id = await createCheckRun(this.octokit, this.target.repo, this.target.commit, checkRunName(this.target.environment), content);
    } else {
      await updateCheckRun(this.octokit, this.target.repo, this.id, content);
    }
  }
}
