/**
 * GitHub's pace for an installation's writes, for the fakes: writes are answered one at a time,
 * `paceMs` apart, and `hold()` stops answering them at all until `release()` (GitHub at its
 * unkindest). Reads are never paced, and neither is an installation token: that is authentication,
 * which GitHub (and Octokit's throttling) keep out of the write pace.
 */
export class WritePace {
  /** Writes answered so far (a held write is not). */
  answered = 0;
  private held: { readonly promise: Promise<void>; readonly release: () => void } | undefined;
  private turn: Promise<void> = Promise.resolve();

  constructor(private paceMs = 0) {}

  hold(): void {
    let release = () => {};
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.held = { promise, release };
  }

  /** Answers the held writes (and later ones) one at a time, `paceMs` apart. */
  release(paceMs = this.paceMs): void {
    this.paceMs = paceMs;
    this.held?.release();
    this.held = undefined;
  }

  /** Waits for this request's turn, if it is a paced write. */
  async admit(method: string, path: string): Promise<void> {
    if (method === "GET" || /^(\/api\/v3)?\/app\/installations\/\d+\/access_tokens/.test(path)) return;
    if (this.held || this.paceMs > 0) {
      const gate = this.held?.promise;
      const paceMs = this.paceMs;
      const turn = this.turn.then(async () => {
        if (gate) await gate;
        if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
      });
      this.turn = turn;
      await turn;
    }
    this.answered++;
  }
}
