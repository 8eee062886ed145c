/**
 * `Atomics.waitAsync` (ES2024; in Node since 16) with its type, since the project's lib is
 * ES2022. The consumer waits on the doorbell without blocking its event loop, so it keeps
 * receiving registrations and commands while idle.
 */
interface WaitAsyncResult {
  readonly async: boolean;
  readonly value: Promise<'ok' | 'timed-out'> | 'not-equal' | 'timed-out';
}

type WaitAsync = (
  typedArray: Int32Array,
  index: number,
  value: number,
  timeoutMs?: number,
) => WaitAsyncResult;

const waitAsyncImpl = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

/** Resolves when `words[index]` is notified or `timeoutMs` passes; at once if it is not `value`. */
export async function waitAsync(
  words: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
): Promise<void> {
  if (waitAsyncImpl === undefined) {
    // No waitAsync: poll (slower wake-ups, same results).
    if (Atomics.load(words, index) === value)
      await new Promise((r) => setTimeout(r, Math.min(timeoutMs, 10)));
    return;
  }
  const r = waitAsyncImpl(words, index, value, timeoutMs);
  if (r.async) await r.value;
}
