// How far the customer has seen their conversation (the newest seq shown while the panel was open and the page
// visible), kept in localStorage so that the launcher's unread badge survives a reload.

export class SeenPosition {
  #seq: number;

  constructor(
    private readonly storage: Storage | undefined,
    private readonly key: string,
  ) {
    let stored = 0;
    try {
      stored = Number(storage?.getItem(key)) || 0;
    } catch {
      // Storage disabled: the badge counts from this page load.
    }
    this.#seq = stored;
  }

  get seq(): number {
    return this.#seq;
  }

  advance(seq: number): void {
    if (seq <= this.#seq) return;
    this.#seq = seq;
    try {
      this.storage?.setItem(this.key, String(seq));
    } catch {
      // As above.
    }
  }
}
