/**
 * CTF 2 metadata (a JSON text sequence, RFC 7464: fragments each starting with 0x1E) into the same
 * trace class IR as TSDL. Integers beyond 2^53 are read exactly.
 *
 * Supported field classes: fixed-length integers (with mappings and roles), bit arrays (printed
 * in hexadecimal), booleans, floating point numbers, null-terminated/static-length/dynamic-length
 * strings, blobs (as byte arrays), structures, static/dynamic-length arrays, variants with
 * integer selectors. Not yet: variable-length integers and optionals (a clear MetadataError).
 */
import {
  type IrByteOrder,
  type IrClockClass,
  type IrEnvValue,
  type IrEventClass,
  type IrFieldClass,
  type IrInt,
  type IrNamed,
  type IrStreamClass,
  type IrTraceClass,
  Meaning,
  newStreamClass,
} from './ctf-ir.js';
import { MetadataError } from './errors.js';
import type { TsdlOptions } from './tsdl-to-ir.js';

type Json = null | boolean | number | bigint | string | Json[] | { [k: string]: Json };

/** A JSON parser keeping integers beyond 2^53 as bigints; errors give line and column. */
class JsonReader {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly base: number,
    private readonly full: string,
  ) {}

  private where(): { line: number; column: number } {
    const upto = this.full.slice(0, this.base + this.i);
    const nl = upto.lastIndexOf('\n');
    return { line: upto.split('\n').length, column: this.base + this.i - nl };
  }

  fail(msg: string): never {
    throw new MetadataError(`CTF 2 metadata: ${msg}`, this.where());
  }

  private ws(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  parseDocument(): Json {
    this.ws();
    const v = this.value(0);
    this.ws();
    if (this.i < this.s.length) this.fail('unexpected text after the JSON value of a fragment');
    return v;
  }

  private value(depth: number): Json {
    if (depth > 200) this.fail('nesting too deep');
    this.ws();
    const c = this.s[this.i];
    switch (c) {
      case '{': {
        this.i++;
        const o: { [k: string]: Json } = {};
        this.ws();
        if (this.s[this.i] === '}') {
          this.i++;
          return o;
        }
        for (;;) {
          this.ws();
          if (this.s[this.i] !== '"') this.fail('expecting a member name');
          const k = this.string();
          this.ws();
          if (this.s[this.i] !== ':') this.fail('expecting `:`');
          this.i++;
          o[k] = this.value(depth + 1);
          this.ws();
          if (this.s[this.i] === ',') {
            this.i++;
            continue;
          }
          if (this.s[this.i] === '}') {
            this.i++;
            return o;
          }
          this.fail('expecting `,` or `}`');
        }
      }
      case '[': {
        this.i++;
        const a: Json[] = [];
        this.ws();
        if (this.s[this.i] === ']') {
          this.i++;
          return a;
        }
        for (;;) {
          a.push(this.value(depth + 1));
          this.ws();
          if (this.s[this.i] === ',') {
            this.i++;
            continue;
          }
          if (this.s[this.i] === ']') {
            this.i++;
            return a;
          }
          this.fail('expecting `,` or `]`');
        }
      }
      case '"':
        return this.string();
      case 't':
        return this.word('true', true);
      case 'f':
        return this.word('false', false);
      case 'n':
        return this.word('null', null);
      default:
        return this.number();
    }
  }

  private word<T extends Json>(w: string, v: T): T {
    if (this.s.startsWith(w, this.i)) {
      this.i += w.length;
      return v;
    }
    return this.fail('unexpected text');
  }

  private number(): number | bigint {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) this.fail('expecting a JSON value');
    this.i += m[0].length;
    if (m[2] === undefined && m[3] === undefined) {
      const b = BigInt(m[0]);
      return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
    }
    return Number(m[0]);
  }

  private hex4(): number {
    const h = this.s.slice(this.i, this.i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) this.fail('bad \\u escape');
    this.i += 4;
    return Number.parseInt(h, 16);
  }

  private string(): string {
    // The metadata text is a byte string (latin1): decode UTF-8 after unescaping.
    this.i++;
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) this.fail('unterminated string');
      const c = this.s[this.i]!;
      if (c === '"') {
        this.i++;
        break;
      }
      if (c === '\\') {
        const e = this.s[this.i + 1];
        this.i += 2;
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out += e;
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            let cp = this.hex4();
            if (cp >= 0xd800 && cp < 0xdc00 && this.s.startsWith('\\u', this.i)) {
              this.i += 2;
              const lo = this.hex4();
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            // As UTF-8 bytes (one char per byte), like the rest of the metadata text.
            for (const b of new TextEncoder().encode(String.fromCodePoint(cp))) out += String.fromCharCode(b);
            break;
          }
          default:
            this.fail('bad escape in a string');
        }
        continue;
      }
      if (c.charCodeAt(0) < 0x20) this.fail('control character in a string');
      out += c;
      this.i++;
    }
    return out;
  }
}

function isObj(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function int(v: Json | undefined, what: string): bigint {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'bigint') return v;
  throw new MetadataError(`CTF 2 metadata: ${what} must be an integer`);
}

function str(v: Json | undefined, what: string): string {
  if (typeof v !== 'string') throw new MetadataError(`CTF 2 metadata: ${what} must be a string`);
  return v;
}

const ORIGIN_PREFIX: Record<string, string> = {
  'packet-header': 'trace.packet.header',
  'packet-context': 'stream.packet.context',
  'event-record-header': 'stream.event.header',
  'event-record-common-context': 'stream.event.context',
  'event-record-specific-context': 'event.context',
  'event-record-payload': 'event.fields',
};

const LOG_LEVELS: Record<string, number> = {
  emergency: 0,
  alert: 1,
  critical: 2,
  error: 3,
  warning: 4,
  notice: 5,
  info: 6,
  'debug:system': 7,
  'debug:program': 8,
  'debug:process': 9,
  'debug:module': 10,
  'debug:unit': 11,
  'debug:function': 12,
  'debug:line': 13,
  debug: 14,
};

function parseUuidText(s: string): Uint8Array | null {
  const m = /^([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})$/.exec(s);
  if (!m) return null;
  const hex = m.slice(1).join('');
  return Uint8Array.from({ length: 16 }, (_, i) => Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}

interface ScopeContext {
  /** The data stream class's default clock (role `default-clock-timestamp`). */
  clock: IrClockClass | null;
  packetContext: boolean;
}

class Ctf2Builder {
  readonly tc: IrTraceClass = {
    major: 2,
    minor: 0,
    uuid: null,
    defaultByteOrder: 'le',
    packetHeader: null,
    clocks: [],
    streamClasses: [],
    env: new Map<string, IrEnvValue>(),
    storedValueCount: 0,
    format: 'ctf2',
  };
  private readonly clockIds = new Map<string, IrClockClass>();
  readonly warnings: string[] = [];

  constructor(private readonly options: TsdlOptions) {}

  fragment(f: Json): void {
    if (!isObj(f)) throw new MetadataError('CTF 2 metadata: a fragment is not a JSON object');
    switch (f.type) {
      case 'preamble':
        if (f.version !== 2)
          throw new MetadataError(`CTF 2 metadata: unsupported version ${String(f.version)}`);
        if (Array.isArray(f.uuid) && f.uuid.length === 16) this.tc.uuid = Uint8Array.from(f.uuid as number[]);
        return;
      case 'trace-class':
        if (isObj(f.environment)) {
          for (const [k, v] of Object.entries(f.environment)) {
            if (typeof v === 'string') this.tc.env.set(k, { type: 'string', value: v });
            else if (typeof v === 'number' || typeof v === 'bigint')
              this.tc.env.set(k, { type: 'int', value: BigInt.asIntN(64, BigInt(v)) });
          }
        }
        if (!this.tc.uuid && typeof f.uid === 'string') this.tc.uuid = parseUuidText(f.uid);
        if (f['packet-header-field-class'] !== undefined) {
          this.tc.packetHeader = this.fieldClass(f['packet-header-field-class'], {
            clock: null,
            packetContext: false,
          });
        }
        return;
      case 'clock-class':
        this.clock(f);
        return;
      case 'data-stream-class':
        this.dataStreamClass(f);
        return;
      case 'event-record-class':
        this.eventRecordClass(f);
        return;
      default:
        // Unknown fragment types are extensions: ignored (CTF 2 §6).
        this.warnings.push(`ignoring a CTF 2 fragment of type "${String(f.type)}"`);
    }
  }

  private clock(f: { [k: string]: Json }): void {
    const id = str(f.id, 'a clock class `id`');
    const freq = int(f.frequency, 'a clock class frequency');
    if (freq <= 0n)
      throw new MetadataError(`CTF 2 metadata: clock class "${id}": frequency must be positive`);
    let s = 0n;
    let c = 0n;
    if (isObj(f['offset-from-origin'])) {
      const o = f['offset-from-origin'];
      if (o.seconds !== undefined) s = int(o.seconds, 'offset seconds');
      if (o.cycles !== undefined) c = int(o.cycles, 'offset cycles');
    }
    // --clock-offset / --clock-offset-ns, as for TSDL.
    s += this.options.clockOffsetSeconds ?? 0n;
    const ns = this.options.clockOffsetNs ?? 0n;
    if (ns !== 0n) {
      const total = s * freq + c + (freq === 1_000_000_000n ? ns : (ns * freq) / 1_000_000_000n);
      s = total / freq;
      c = total - s * freq;
      if (c < 0n) {
        s -= 1n;
        c += freq;
      }
    }
    if (c >= freq) {
      s += c / freq;
      c %= freq;
    }
    const cc: IrClockClass = {
      name: typeof f.name === 'string' ? f.name : id,
      description: typeof f.description === 'string' ? f.description : '',
      frequency: freq,
      precision: f.precision !== undefined ? int(f.precision, 'precision') : 0n,
      offsetSeconds: s,
      offsetCycles: c,
      uuid: typeof f.uid === 'string' ? parseUuidText(f.uid) : null,
      isAbsolute: f.origin === 'unix-epoch' || this.options.forceClockOriginUnixEpoch === true,
    };
    this.tc.clocks.push(cc);
    this.clockIds.set(id, cc);
  }

  private dataStreamClass(f: { [k: string]: Json }): void {
    const id = f.id === undefined ? 0n : int(f.id, 'a data stream class id');
    if (this.tc.streamClasses.some((s) => s.id === id)) {
      throw new MetadataError(`CTF 2 metadata: two data stream classes have the id ${id}`);
    }
    const sc: IrStreamClass = newStreamClass(id);
    const clockId = f['default-clock-class-id'];
    if (clockId !== undefined) {
      const cc = this.clockIds.get(str(clockId, 'default-clock-class-id'));
      if (!cc)
        throw new MetadataError(
          `CTF 2 metadata: data stream class ${id}: no clock class "${String(clockId)}"`,
        );
      sc.defaultClock = cc;
    }
    const ctx = (packetContext: boolean): ScopeContext => ({ clock: sc.defaultClock, packetContext });
    if (f['packet-context-field-class'] !== undefined)
      sc.packetContext = this.fieldClass(f['packet-context-field-class'], ctx(true));
    if (f['event-record-header-field-class'] !== undefined)
      sc.eventHeader = this.fieldClass(f['event-record-header-field-class'], ctx(false));
    if (f['event-record-common-context-field-class'] !== undefined) {
      sc.eventCommonContext = this.fieldClass(f['event-record-common-context-field-class'], ctx(false));
    }
    this.tc.streamClasses.push(sc);
  }

  private eventRecordClass(f: { [k: string]: Json }): void {
    const scId =
      f['data-stream-class-id'] === undefined ? 0n : int(f['data-stream-class-id'], 'data-stream-class-id');
    const sc = this.tc.streamClasses.find((s) => s.id === scId);
    if (!sc)
      throw new MetadataError(`CTF 2 metadata: event record class for the unknown data stream class ${scId}`);
    const id = f.id === undefined ? 0n : int(f.id, 'an event record class id');
    if (sc.eventClasses.some((e) => e.id === id)) {
      throw new MetadataError(
        `CTF 2 metadata: data stream class ${scId} has two event record classes with the id ${id}`,
      );
    }
    let logLevel: number | null = null;
    let emfUri = '';
    const attrs = f.attributes;
    if (isObj(attrs) && isObj(attrs['lttng.org,2009'])) {
      const l = attrs['lttng.org,2009'];
      if (typeof l['log-level'] === 'string' && LOG_LEVELS[l['log-level']] !== undefined)
        logLevel = LOG_LEVELS[l['log-level']]!;
      else if (typeof l['log-level'] === 'number') logLevel = l['log-level'];
      if (typeof l['emf-uri'] === 'string') emfUri = l['emf-uri'];
    }
    const ctx: ScopeContext = { clock: sc.defaultClock, packetContext: false };
    const ec: IrEventClass = {
      id,
      name: typeof f.name === 'string' ? f.name : '',
      logLevel,
      emfUri,
      specContext:
        f['specific-context-field-class'] !== undefined
          ? this.fieldClass(f['specific-context-field-class'], ctx)
          : null,
      payload: f['payload-field-class'] !== undefined ? this.fieldClass(f['payload-field-class'], ctx) : null,
    };
    sc.eventClasses.push(ec);
  }

  private byteOrder(v: Json | undefined): IrByteOrder {
    if (v === undefined) return this.tc.defaultByteOrder;
    if (v === 'little-endian') return 'le';
    if (v === 'big-endian') return 'be';
    throw new MetadataError(`CTF 2 metadata: unknown byte order "${String(v)}"`);
  }

  private alignment(v: Json | undefined, def: number): number {
    const a = v === undefined ? def : Number(int(v, 'an alignment'));
    if (a < 1 || (a & (a - 1)) !== 0)
      throw new MetadataError(`CTF 2 metadata: alignment ${a} is not a power of two`);
    return a;
  }

  private intClass(f: { [k: string]: Json }, signed: boolean, ctx: ScopeContext): IrInt {
    const size = Number(int(f.length, 'an integer length'));
    if (size < 1 || size > 64)
      throw new MetadataError(`CTF 2 metadata: integer length ${size} is outside 1..64`);
    const baseV =
      f['preferred-display-base'] === undefined
        ? 10
        : Number(int(f['preferred-display-base'], 'display base'));
    if (baseV !== 2 && baseV !== 8 && baseV !== 10 && baseV !== 16) {
      throw new MetadataError(`CTF 2 metadata: display base ${baseV} is not 2, 8, 10 or 16`);
    }
    const fc: IrInt = {
      type: 'int',
      alignment: this.alignment(f.alignment, 1),
      inIr: false,
      size,
      byteOrder: this.byteOrder(f['byte-order']),
      isSigned: signed,
      base: baseV,
      encoding: 'none',
      mappedClock: null,
      meaning: Meaning.None,
      storingIndex: -1,
      mappings: [],
    };
    if (isObj(f.mappings)) {
      fc.type = 'enum';
      for (const [label, rs] of Object.entries(f.mappings)) {
        if (!Array.isArray(rs))
          throw new MetadataError(`CTF 2 metadata: mapping "${label}" is not an array of ranges`);
        fc.mappings.push({
          label,
          ranges: rs.map((r) => {
            if (!Array.isArray(r) || r.length !== 2)
              throw new MetadataError(`CTF 2 metadata: mapping "${label}": a range is [lower, upper]`);
            return { lower: int(r[0], 'a range bound'), upper: int(r[1], 'a range bound') };
          }),
        });
      }
    }
    if (Array.isArray(f.roles)) {
      for (const role of f.roles) this.applyRole(fc, role, ctx);
    }
    return fc;
  }

  private applyRole(fc: IrInt, role: Json, ctx: ScopeContext): void {
    switch (role) {
      case 'packet-magic-number':
        fc.meaning = Meaning.Magic;
        break;
      case 'data-stream-class-id':
        fc.meaning = Meaning.StreamClassId;
        break;
      case 'data-stream-id':
        fc.meaning = Meaning.DataStreamId;
        break;
      case 'packet-total-length':
        fc.meaning = Meaning.ExpectedPacketTotalSize;
        break;
      case 'packet-content-length':
        fc.meaning = Meaning.ExpectedPacketContentSize;
        break;
      case 'default-clock-timestamp':
        if (!ctx.clock)
          throw new MetadataError(
            'CTF 2 metadata: a `default-clock-timestamp` field in a data stream class without a default clock class',
          );
        fc.mappedClock = ctx.clock;
        if (ctx.packetContext) fc.meaning = Meaning.PacketBeginningTime;
        break;
      case 'packet-end-default-clock-timestamp':
        fc.meaning = Meaning.PacketEndTime;
        break;
      case 'discarded-event-record-counter-snapshot':
        fc.meaning = Meaning.DiscardedEventsCounterSnapshot;
        break;
      case 'packet-sequence-number':
        fc.meaning = Meaning.PacketCounterSnapshot;
        break;
      case 'event-record-class-id':
        fc.meaning = Meaning.EventClassId;
        break;
      default:
        break;
    }
  }

  private u8Array(length: number | null, loc: Json | undefined, text: boolean): IrFieldClass {
    const elem: IrInt = {
      type: 'int',
      alignment: 8,
      inIr: false,
      size: 8,
      byteOrder: this.tc.defaultByteOrder,
      isSigned: false,
      base: text ? 10 : 16,
      encoding: text ? 'utf8' : 'none',
      mappedClock: null,
      meaning: Meaning.None,
      storingIndex: -1,
      mappings: [],
    };
    if (length !== null) {
      return { type: 'array', alignment: 8, inIr: false, elem, length, isText: false, isUuid: false };
    }
    return {
      type: 'sequence',
      alignment: 8,
      inIr: false,
      elem,
      lengthRef: this.locationRef(loc),
      lengthPath: null,
      lengthFc: null,
      isText: false,
      storedLengthIndex: -1,
    };
  }

  private locationRef(loc: Json | undefined): string {
    if (!isObj(loc) || typeof loc.origin !== 'string' || !Array.isArray(loc.path)) {
      throw new MetadataError('CTF 2 metadata: a field location is { origin, path }');
    }
    const prefix = ORIGIN_PREFIX[loc.origin];
    if (!prefix) throw new MetadataError(`CTF 2 metadata: unknown field location origin "${loc.origin}"`);
    const parts = loc.path.map((p) => {
      const s = str(p, 'a field location path element');
      if (s.includes('.'))
        throw new MetadataError(
          `CTF 2 metadata: field location element "${s}" contains a dot (not supported)`,
        );
      return s;
    });
    return [prefix, ...parts].join('.');
  }

  private named(name: Json | undefined, fc: IrFieldClass): IrNamed {
    const n = str(name, 'a member name');
    // CTF 2 names are not escaped: printed as written.
    return { name: n, origName: n, fc };
  }

  fieldClass(f: Json, ctx: ScopeContext): IrFieldClass {
    if (typeof f === 'string')
      throw new MetadataError(`CTF 2 metadata: field class aliases ("${f}") are not supported`);
    if (!isObj(f)) throw new MetadataError('CTF 2 metadata: a field class is a JSON object');
    switch (f.type) {
      case 'fixed-length-unsigned-integer':
        return this.intClass(f, false, ctx);
      case 'fixed-length-signed-integer':
        return this.intClass(f, true, ctx);
      case 'fixed-length-bit-array': {
        const fc = this.intClass({ ...f, 'preferred-display-base': 16 }, false, ctx);
        return fc;
      }
      case 'fixed-length-boolean': {
        const fc = this.intClass(f, false, ctx);
        fc.isBool = true;
        return fc;
      }
      case 'fixed-length-floating-point-number': {
        const size = Number(int(f.length, 'a float length'));
        if (size !== 32 && size !== 64)
          throw new MetadataError(`CTF 2 metadata: floating point length ${size} is not 32 or 64`);
        return {
          type: 'float',
          alignment: this.alignment(f.alignment, 1),
          inIr: false,
          size,
          byteOrder: this.byteOrder(f['byte-order']),
        };
      }
      case 'null-terminated-string':
        return { type: 'string', alignment: 8, inIr: false, encoding: 'utf8' };
      case 'static-length-string': {
        const a = this.u8Array(Number(int(f.length, 'a string length')), undefined, true);
        return a;
      }
      case 'dynamic-length-string':
        return this.u8Array(null, f['length-field-location'], true);
      case 'static-length-blob': {
        const a = this.u8Array(Number(int(f.length, 'a blob length')), undefined, false);
        if (Array.isArray(f.roles) && f.roles.includes('metadata-stream-uuid') && a.type === 'array')
          a.isUuid = true;
        return a;
      }
      case 'dynamic-length-blob':
        return this.u8Array(null, f['length-field-location'], false);
      case 'structure': {
        const members = Array.isArray(f['member-classes']) ? f['member-classes'] : [];
        const seen = new Set<string>();
        const out: IrNamed[] = [];
        for (const m of members) {
          if (!isObj(m))
            throw new MetadataError('CTF 2 metadata: a structure member is { name, field-class }');
          const nm = this.named(m.name, this.fieldClass(m['field-class'] ?? null, ctx));
          if (seen.has(nm.name))
            throw new MetadataError(`CTF 2 metadata: duplicate structure member "${nm.name}"`);
          seen.add(nm.name);
          out.push(nm);
        }
        return {
          type: 'struct',
          alignment: this.alignment(f['minimum-alignment'], 1),
          inIr: false,
          members: out,
        };
      }
      case 'static-length-array': {
        const elem = this.fieldClass(f['element-field-class'] ?? null, ctx);
        return {
          type: 'array',
          alignment: this.alignment(f['minimum-alignment'], 1),
          inIr: false,
          elem,
          length: Number(int(f.length, 'an array length')),
          isText: false,
          isUuid: false,
        };
      }
      case 'dynamic-length-array': {
        const elem = this.fieldClass(f['element-field-class'] ?? null, ctx);
        return {
          type: 'sequence',
          alignment: this.alignment(f['minimum-alignment'], 1),
          inIr: false,
          elem,
          lengthRef: this.locationRef(f['length-field-location']),
          lengthPath: null,
          lengthFc: null,
          isText: false,
          storedLengthIndex: -1,
        };
      }
      case 'variant': {
        const opts = Array.isArray(f.options) ? f.options : [];
        if (opts.length === 0) throw new MetadataError('CTF 2 metadata: a variant has no option');
        const options: IrNamed[] = [];
        const ranges: { lower: bigint; upper: bigint; optionIndex: number }[] = [];
        opts.forEach((o, i) => {
          if (!isObj(o))
            throw new MetadataError(
              'CTF 2 metadata: a variant option is { name, field-class, selector-field-ranges }',
            );
          const name = typeof o.name === 'string' ? o.name : `option${i}`;
          options.push({ name, origName: name, fc: this.fieldClass(o['field-class'] ?? null, ctx) });
          for (const r of Array.isArray(o['selector-field-ranges']) ? o['selector-field-ranges'] : []) {
            if (!Array.isArray(r) || r.length !== 2)
              throw new MetadataError('CTF 2 metadata: a selector range is [lower, upper]');
            ranges.push({
              lower: int(r[0], 'a range bound'),
              upper: int(r[1], 'a range bound'),
              optionIndex: i,
            });
          }
        });
        return {
          type: 'variant',
          alignment: 1,
          inIr: false,
          options,
          tagRef: this.locationRef(f['selector-field-location']),
          tagPath: null,
          tagFc: null,
          ranges,
          explicitRanges: true,
          storedTagIndex: -1,
        };
      }
      case 'variable-length-unsigned-integer':
      case 'variable-length-signed-integer':
      case 'optional':
        throw new MetadataError(
          `CTF 2 metadata: ${String(f.type)} field classes are not supported by this reader yet`,
        );
      default:
        throw new MetadataError(`CTF 2 metadata: unknown field class type "${String(f.type)}"`);
    }
  }
}

/** Reads CTF 2 metadata text (fragments separated by 0x1E) into the trace class IR. */
export function ctf2ToIr(
  text: string,
  options: TsdlOptions = {},
): { trace: IrTraceClass; warnings: string[] } {
  const b = new Ctf2Builder(options);
  const frags: [string, number][] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text.charCodeAt(i) === 0x1e) {
      if (start >= 0) frags.push([text.slice(start, i), start]);
      start = i + 1;
    }
  }
  if (frags.length === 0) throw new MetadataError('CTF 2 metadata: no fragment');
  frags.forEach(([s, at], i) => {
    const json = new JsonReader(s, at, text).parseDocument();
    if (i === 0 && !(isObj(json) && json.type === 'preamble')) {
      throw new MetadataError('CTF 2 metadata: the first fragment must be the preamble', {
        line: 1,
        column: 1,
      });
    }
    b.fragment(json);
  });
  return { trace: b.tc, warnings: b.warnings };
}
