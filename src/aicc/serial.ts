// One AICC call at a time per customer. AICC may answer any per-customer call with a newer ccmessaging-token,
// after which the older one is refused (TOKEN); calls sent side by side would carry a token that a sibling's
// answer has just replaced. In turn, each call carries the token the previous one left. Memory: one entry per
// customer with calls under way, dropped when the last one settles.

export class PerCustomerQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(customerId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(customerId);
    const result = previous ? previous.then(task) : task();
    const tail = result.catch(() => undefined);
    this.tails.set(customerId, tail);
    void tail.then(() => {
      if (this.tails.get(customerId) === tail) this.tails.delete(customerId);
    });
    return result;
  }

  /** Customers with calls under way (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }
}
