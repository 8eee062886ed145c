/**
 * The process-wide state every thread of a traced process shares: one SharedArrayBuffer created
 * by the first thread that loads the tracer (the main thread, in practice) and handed to every
 * worker started afterwards through `setEnvironmentData` (a SharedArrayBuffer is shared, not
 * copied). It holds:
 *  - the doorbell producers ring when a sub-buffer is full (the consumer waits on it);
 *  - the active session's generation and configuration (JSON), so a thread that starts while a
 *    session is active enables its tracepoints synchronously, without waiting for a message;
 *  - the registry of event classes: ids are process-wide (one metadata for every thread's
 *    stream), assigned under a lock in definition order, with each class's description for the
 *    consumer to append to the metadata;
 *  - the words of the exit hand-shake with the consumer (see session.ts).
 * Messages that carry objects (ring buffers) go through a BroadcastChannel named after this
 * buffer's id.
 */
import { getEnvironmentData, setEnvironmentData } from 'node:worker_threads';
import { TracerError, TracerErrorCode } from './errors.js';

export const ControlWord = {
  Magic: 0,
  Lock: 1,
  Doorbell: 2,
  SessionGen: 3,
  SessionActive: 4,
  ConfigBytes: 5,
  RegistryCount: 6,
  RegistryBytes: 7,
  /** 0: no consumer; 1: listening; 2: finished. */
  ConsumerState: 8,
  /** Set to 1 by the main thread when the process exits: the consumer drains everything now. */
  ExitRequest: 9,
  /** Set to 1 by the consumer when the exit drain is done. */
  ExitDone: 10,
  /** Streams (thread x channel ring buffers) registered in the current session. */
  StreamCount: 11,
  /** Random id naming the BroadcastChannel. */
  Id: 12,
} as const;

const MAGIC = 0x7474_6374; // "ttct"
const HEADER_BYTES = 256;
const CONFIG_AREA_BYTES = 256 * 1024;
/** Event class descriptions. Untouched pages cost no memory (they are never written). */
const REGISTRY_AREA_BYTES = 8 * 1024 * 1024;
const ENV_KEY = 'ttng:tracer-control';

export class TracerControl {
  readonly sab: SharedArrayBuffer;
  readonly words: Int32Array;
  private readonly u8: Uint8Array;
  private readonly dv: DataView;

  private constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.words = new Int32Array(sab, 0, HEADER_BYTES / 4);
    this.u8 = new Uint8Array(sab);
    this.dv = new DataView(sab);
  }

  /** This process's control buffer: inherited from the parent thread, or created here. */
  static forThisThread(): TracerControl {
    const inherited = getEnvironmentData(ENV_KEY);
    if (inherited instanceof SharedArrayBuffer && new Int32Array(inherited, 0, 1)[0] === MAGIC) {
      return new TracerControl(inherited);
    }
    const sab = new SharedArrayBuffer(HEADER_BYTES + CONFIG_AREA_BYTES + REGISTRY_AREA_BYTES);
    const c = new TracerControl(sab);
    c.words[ControlWord.Id] = (Math.random() * 0x7fffffff) | 0;
    Atomics.store(c.words, ControlWord.Magic, MAGIC);
    setEnvironmentData(ENV_KEY, sab);
    return c;
  }

  /** A view of a control buffer received from another thread (the consumer's). */
  static attach(sab: SharedArrayBuffer): TracerControl {
    return new TracerControl(sab);
  }

  get channelName(): string {
    return `ttng-tracer-${process.pid}-${this.words[ControlWord.Id]}`;
  }

  lock(): void {
    const w = this.words;
    while (Atomics.compareExchange(w, ControlWord.Lock, 0, 1) !== 0) {
      Atomics.wait(w, ControlWord.Lock, 1, 1);
    }
  }

  unlock(): void {
    Atomics.store(this.words, ControlWord.Lock, 0);
    Atomics.notify(this.words, ControlWord.Lock, 1);
  }

  ringDoorbell(): void {
    Atomics.add(this.words, ControlWord.Doorbell, 1);
    Atomics.notify(this.words, ControlWord.Doorbell);
  }

  // -------------------------------------------------------------------------------------------
  // Session configuration.

  /** Publishes a session configuration (or none) and returns its generation. */
  publishSession(config: unknown | null): number {
    this.lock();
    try {
      if (config !== null) {
        const bytes = new TextEncoder().encode(JSON.stringify(config));
        if (bytes.length > CONFIG_AREA_BYTES) {
          throw new TracerError(
            TracerErrorCode.Config,
            `session configuration is ${bytes.length} bytes of JSON; at most ${CONFIG_AREA_BYTES}`,
          );
        }
        this.u8.set(bytes, HEADER_BYTES);
        this.words[ControlWord.ConfigBytes] = bytes.length;
      } else {
        this.words[ControlWord.ConfigBytes] = 0;
      }
      Atomics.store(this.words, ControlWord.SessionActive, config === null ? 0 : 1);
      return Atomics.add(this.words, ControlWord.SessionGen, 1) + 1;
    } finally {
      this.unlock();
    }
  }

  /** The active session's configuration and generation, or null. */
  readSession(): { gen: number; config: unknown } | null {
    this.lock();
    try {
      if (Atomics.load(this.words, ControlWord.SessionActive) !== 1) return null;
      const len = this.words[ControlWord.ConfigBytes]!;
      const text = new TextDecoder().decode(this.u8.slice(HEADER_BYTES, HEADER_BYTES + len));
      return { gen: this.words[ControlWord.SessionGen]!, config: JSON.parse(text) };
    } finally {
      this.unlock();
    }
  }

  get sessionGen(): number {
    return Atomics.load(this.words, ControlWord.SessionGen);
  }

  // -------------------------------------------------------------------------------------------
  // Event class registry.

  /**
   * Finds or adds an event class. `key` identifies it (name + fields + log level): the same
   * definition in two threads gets the same id; the same name with another definition is refused.
   * `seen` is the caller's cache of entries already read (name -> { key, id }).
   */
  registerEventClass(
    name: string,
    key: string,
    description: unknown,
    seen: Map<string, { key: string; id: number }>,
    cursor: { count: number; bytes: number },
  ): number {
    this.lock();
    try {
      this.readNewEntries(seen, cursor);
      const existing = seen.get(name);
      if (existing) {
        if (existing.key !== key) {
          throw new TracerError(
            TracerErrorCode.Definition,
            `event "${name}" is already defined with other fields or another log level in this process; one name, one definition`,
          );
        }
        return existing.id;
      }
      const bytes = new TextEncoder().encode(JSON.stringify({ name, key, description }));
      const start = HEADER_BYTES + CONFIG_AREA_BYTES + cursor.bytes;
      const needed = 4 + Math.ceil(bytes.length / 4) * 4;
      if (cursor.bytes + needed > REGISTRY_AREA_BYTES) {
        throw new TracerError(
          TracerErrorCode.RegistryFull,
          `cannot register event "${name}": the ${REGISTRY_AREA_BYTES}-byte event class registry is full`,
        );
      }
      this.dv.setUint32(start, bytes.length, true);
      this.u8.set(bytes, start + 4);
      const id = cursor.count;
      cursor.count++;
      cursor.bytes += needed;
      seen.set(name, { key, id });
      this.words[ControlWord.RegistryBytes] = cursor.bytes;
      Atomics.store(this.words, ControlWord.RegistryCount, cursor.count);
      return id;
    } finally {
      this.unlock();
    }
  }

  /** Reads registry entries past `cursor` (under the lock, or after seeing RegistryCount grow). */
  readNewEntries(
    seen: Map<string, { key: string; id: number }> | null,
    cursor: { count: number; bytes: number },
    onEntry?: (id: number, name: string, description: unknown) => void,
  ): void {
    const count = Atomics.load(this.words, ControlWord.RegistryCount);
    while (cursor.count < count) {
      const start = HEADER_BYTES + CONFIG_AREA_BYTES + cursor.bytes;
      const len = this.dv.getUint32(start, true);
      const e = JSON.parse(new TextDecoder().decode(this.u8.slice(start + 4, start + 4 + len))) as {
        name: string;
        key: string;
        description: unknown;
      };
      seen?.set(e.name, { key: e.key, id: cursor.count });
      onEntry?.(cursor.count, e.name, e.description);
      cursor.count++;
      cursor.bytes += 4 + Math.ceil(len / 4) * 4;
    }
  }

  get registryCount(): number {
    return Atomics.load(this.words, ControlWord.RegistryCount);
  }
}
