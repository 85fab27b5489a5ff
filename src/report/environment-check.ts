import type { ResourceChange } from "../core/stack-snapshot.js";
import { repositoryFullName } from "../core/environment.js";
import {
  addNote,
  createCheckRun,
  findCheckRun,
  updateCheckRun,
  type CheckRunContent,
  type ExistingCheckRun,
} from "../github/check-runs.js";
import { renderCheckRun, type EnvironmentTarget, type Phase } from "./environment-report.js";
import { checkRunName } from "../core/check-identity.js";
import type { InstallationOctokit } from "../github/octokit.js";
import type { OutboxLane } from "../github/outbox.js";

/**
 * The one check run of an environment at a commit. It keeps what has been done so far, so each
 * update shows the whole story; GitHub holds the state (external_id names the execution), so a
 * restarted process finds the run again instead of opening a second one.
 *
 * Given an outbox lane, `show` returns at once and the write waits its turn there (AWS work goes
 * on); a check run whose writes are still outstanding is what `open` finds for its commit, since
 * GitHub does not know of it yet. Without one (tools, tests of a single write) each write is
 * made before `show` returns.
 */
export class EnvironmentCheck {
  private readonly done: string[] = [];
  private readonly changes: ResourceChange[] = [];
  private readonly notes: string[] = [];
  private shown: { readonly phase: Phase; readonly content: CheckRunContent } | undefined;

  private constructor(
    private readonly octokit: InstallationOctokit,
    readonly target: EnvironmentTarget,
    private id: number | undefined,
    private readonly found: ExistingCheckRun | null,
    readonly lane: OutboxLane | undefined,
  ) {}

  /** Finds the check run for this environment and commit, if there is one; creates none yet. */
  static async open(
    octokit: InstallationOctokit,
    target: EnvironmentTarget,
    appId: number | undefined,
    lane?: OutboxLane,
  ): Promise<EnvironmentCheck> {
    const live = lane?.live.get(identity(target));
    if (live instanceof EnvironmentCheck) return live;
    const existing = await findCheckRun(octokit, target.repo, target.commit, checkRunName(target.environment), appId);
    return new EnvironmentCheck(octokit, target, existing?.id, existing, lane);
  }

  /** A check run that is not looked up first: for a commit that is known to have none yet. */
  static fresh(octokit: InstallationOctokit, target: EnvironmentTarget, lane?: OutboxLane): EnvironmentCheck {
    return new EnvironmentCheck(octokit, target, undefined, null, lane);
  }

  /**
   * The check run as it stands: what this process last showed (perhaps not on GitHub yet, so it may
   * have no id), or what GitHub had when it was opened.
   */
  get existing(): Pick<ExistingCheckRun, "status" | "externalId"> | null {
    if (!this.shown) return this.found;
    return {
      status: this.shown.content.status,
      externalId: this.shown.content.externalId ?? this.found?.externalId ?? null,
    };
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
    // The answer is for the person who pressed the button: it is on GitHub before this returns.
    if (this.lane && this.shown) await this.write(this.shown.phase);
    else if (this.id !== undefined) await addNote(this.octokit, this.target.repo, this.id, text);
  }

  /** Shows the run in a phase; with an outbox lane, returns before the write is made. */
  async show(phase: Phase): Promise<void> {
    const written = this.write(phase);
    if (!this.lane) await written;
  }

  /** Resolves once the phase (or a newer one) is on GitHub. */
  private async write(phase: Phase): Promise<void> {
    this.shown = { phase, content: this.render(phase) };
    if (!this.lane) return this.send();
    const { lane } = this;
    const key = identity(this.target);
    lane.live.set(key, this);
    const sent = await lane.put(key, () => this.send());
    // GitHub knows the check run now, or the write failed: later looks read GitHub, and this one
    // can be let go. Kept after a failed create, it would create again on the next look, although
    // a replica may have created the check run meanwhile.
    if ((this.id !== undefined || !sent) && !lane.busy(key) && lane.live.get(key) === this) lane.live.delete(key);
  }

  /** Sends the newest state: rendered when sent, so a write that waited shows what is true by then. */
  private async send(): Promise<void> {
    if (!this.shown) return;
    const content = this.render(this.shown.phase);
    if (this.id === undefined) {
      this.id = await createCheckRun(
        this.octokit,
        this.target.repo,
        this.target.commit,
        checkRunName(this.target.environment),
        content,
      );
    } else {
      await updateCheckRun(this.octokit, this.target.repo, this.id, content);
    }
  }

  private render(phase: Phase): CheckRunContent {
    return renderCheckRun(this.target, { done: this.done, changes: this.changes, notes: this.notes }, phase);
  }
}

/** The check run's identity in an installation's outbox: one per repository, commit and environment. */
function identity(target: EnvironmentTarget): string {
  return `check ${repositoryFullName(target.repo).toLowerCase()}@${target.commit} ${checkRunName(target.environment)}`;
}
