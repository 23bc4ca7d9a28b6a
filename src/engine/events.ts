/** A minimal typed event emitter (no DOM `EventTarget`, so it runs in Node). */
export class Emitter<E extends object> {
  private readonly handlers = new Map<keyof E, Set<(payload: never) => void>>();

  /** Subscribe; returns the unsubscribe function. */
  on<K extends keyof E>(type: K, handler: (payload: E[K]) => void): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler as (payload: never) => void);
    return () => set.delete(handler as (payload: never) => void);
  }

  /** True when anybody listens to `type` (lets callers skip building payloads). */
  has<K extends keyof E>(type: K): boolean {
    return (this.handlers.get(type)?.size ?? 0) > 0;
  }

  emit<K extends keyof E>(type: K, payload: E[K]): void {
    const set = this.handlers.get(type);
    if (!set) return;
    for (const h of set) (h as (p: E[K]) => void)(payload);
  }
}
