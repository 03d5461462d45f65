/**
 * The checks of the options and arguments a user gives, queue names
 * included (the one check every call that takes a name shares): each throws
 * a `TypeError` or `RangeError` naming the bad value before anything is
 * touched.
 *
 * @module
 */
import { checkFileSize } from "./wal/file_size.ts";
import { InvalidQueueNameError } from "./errors.ts";
import { MAX_PAYLOAD_BYTES, MAX_QUEUE_NAME_BYTES } from "./format/constants.ts";
import type { FileSystem } from "./ports/file_system.ts";
import type {
  CompactionOptions,
  Limits,
  OpenOptions,
  PersistPolicy,
  RangeOptions,
} from "./types.ts";

const DEFAULT_POLICY: PersistPolicy = { kind: "always", action: "flush" };

/** {@link OpenOptions} once checked, with their defaults. */
export interface CheckedOpenOptions {
  /** Undefined: worked out from the files (see `wal/file_size.ts`). */
  fileSize: number | undefined;
  persistPolicy: PersistPolicy;
  limits: Limits;
  compaction: CompactionOptions | false;
  fs: FileSystem | undefined;
  readOnly: boolean;
  /** False: a writable open takes no lock (the documented opt-out). */
  lock: boolean;
}

/** Checks the arguments of `MultiRecordLog.open`. */
export function checkOpenOptions(dir: unknown, options: OpenOptions): CheckedOpenOptions {
  if (typeof dir !== "string" || dir.length === 0) {
    throw new TypeError(`dir must be a non-empty string, got ${String(dir)}`);
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError(`options must be an object, got ${String(options)}`);
  }
  const fileSize = options.fileSize;
  if (fileSize !== undefined) checkFileSize(fileSize);
  const persistPolicy = options.persistPolicy ?? DEFAULT_POLICY;
  checkPersistPolicy(persistPolicy);
  return {
    fileSize,
    persistPolicy,
    limits: checkLimits(options.limits ?? {}),
    compaction: checkCompaction(options.compaction ?? {}),
    fs: options.fs,
    readOnly: options.readOnly === true,
    lock: checkLock(options.lock),
  };
}

/** Checks the `lock` option: a boolean or absent (true). */
function checkLock(lock: unknown): boolean {
  if (lock === undefined) return true;
  if (typeof lock !== "boolean") throw new TypeError(`lock must be a boolean, got ${String(lock)}`);
  return lock;
}

/** Checks a persist policy given by a user. */
function checkPersistPolicy(policy: PersistPolicy): void {
  if (policy === null || typeof policy !== "object") {
    throw new TypeError(`persistPolicy must be an object, got ${String(policy)}`);
  }
  const kind = (policy as { kind?: unknown }).kind;
  if (kind === "never") return;
  if (kind !== "always" && kind !== "interval") {
    throw new TypeError(
      `persistPolicy.kind must be "always", "interval" or "never", got ${String(kind)}`,
    );
  }
  const action = (policy as { action?: unknown }).action;
  if (action !== "flush" && action !== "fsync") {
    throw new TypeError(`persistPolicy.action must be "flush" or "fsync", got ${String(action)}`);
  }
  if (kind === "interval") {
    const ms = (policy as { intervalMs?: unknown }).intervalMs;
    if (typeof ms !== "number" || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(
        `persistPolicy.intervalMs must be a finite number >= 0, got ${String(ms)}`,
      );
    }
    const timer = (policy as { timer?: unknown }).timer;
    if (timer !== undefined && typeof timer !== "boolean") {
      throw new TypeError(`persistPolicy.timer must be a boolean, got ${String(timer)}`);
    }
  }
}

/** Checks the limits given by a user. */
function checkLimits(limits: Limits): Limits {
  if (limits === null || typeof limits !== "object") {
    throw new TypeError(`limits must be an object, got ${String(limits)}`);
  }
  for (const key of ["maxMemoryBytes", "maxDiskBytes"] as const) {
    const value = limits[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
      throw new RangeError(`limits.${key} must be a positive integer, got ${String(value)}`);
    }
  }
  return { maxMemoryBytes: limits.maxMemoryBytes, maxDiskBytes: limits.maxDiskBytes };
}

/** Checks the compaction options given by a user. */
function checkCompaction(options: CompactionOptions | false): CompactionOptions | false {
  if (options === false) return false;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`compaction must be an object or false, got ${String(options)}`);
  }
  for (const key of ["maxPinnedFiles", "maxDiskBytes"] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new RangeError(
        `compaction.${key} must be a non-negative integer, got ${String(value)}`,
      );
    }
  }
  return { maxPinnedFiles: options.maxPinnedFiles, maxDiskBytes: options.maxDiskBytes };
}

/** The largest `end` of a range: one past the largest record position, Number.MAX_SAFE_INTEGER. */
const MAX_END = 2 ** 53;

/** Checks the bounds of a range of `queue`; returns them with their defaults. */
export function rangeBounds(queue: string, options: RangeOptions): { start: number; end: number } {
  const start = options?.start ?? 0;
  const end = options?.end ?? Infinity;
  checkPosition(start, "start", queue);
  // An exclusive end: 2^53 (exact as a number) reaches the record at 2^53 - 1.
  if (end !== Infinity && end !== MAX_END) checkPosition(end, "end", queue);
  return { start, end };
}

/** Checks the `signal` option given to follow `queue`: an AbortSignal, or undefined. */
export function checkSignal(signal: unknown, queue: string): void {
  if (signal === undefined) return;
  const s = signal as { aborted?: unknown; addEventListener?: unknown };
  if (
    signal === null || typeof signal !== "object" || typeof s.aborted !== "boolean" ||
    typeof s.addEventListener !== "function"
  ) {
    throw new TypeError(
      `signal for following queue ${JSON.stringify(queue)} must be an AbortSignal, got ${
        describe(signal)
      }`,
    );
  }
}

/** Checks a position (or range bound) given for `queue`: a safe non-negative integer. */
export function checkPosition(
  value: unknown,
  what: string,
  queue: string,
): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `${what} for queue ${JSON.stringify(queue)} must be a safe non-negative integer, got ${
        describe(value)
      }`,
    );
  }
}

/** The payloads of an append as an array (the caller's own when it is one). */
export function payloadList(queue: string, payloads: Iterable<Uint8Array>): Uint8Array[] {
  if (
    payloads === null ||
    typeof (payloads as Iterable<Uint8Array>)?.[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `payloads for queue ${JSON.stringify(queue)} must be an iterable of Uint8Array`,
    );
  }
  return Array.isArray(payloads) ? payloads : [...payloads];
}

/** Checks the payloads of an append; returns their bytes in all. */
export function checkPayloads(queue: string, list: readonly Uint8Array[]): number {
  let bytes = 0;
  for (let i = 0; i < list.length; i++) {
    const payload = list[i];
    if (!(payload instanceof Uint8Array)) {
      throw new TypeError(
        `payload ${i} for queue ${JSON.stringify(queue)} must be a Uint8Array, got ${
          describe(payload)
        }`,
      );
    }
    if (payload.length > MAX_PAYLOAD_BYTES) {
      throw new RangeError(`payload ${i} for queue ${JSON.stringify(queue)} is over 4 GiB`);
    }
    bytes += payload.length;
  }
  return bytes;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "..." : value);
  }
  return String(value);
}

/**
 * A surrogate code unit that is not half of a pair: with the `u` flag a
 * well-formed pair is one code point (above U+FFFF) and does not match.
 * The same test as `String.prototype.isWellFormed` (not in the ES2022 library).
 */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

const encoder = new TextEncoder();

/**
 * Checks a queue name and returns its UTF-8 bytes (the bytes written to the
 * log): a string (else `TypeError`), well-formed UTF-16, at most 65,535 UTF-8
 * bytes (else {@link InvalidQueueNameError}, a `RangeError`).
 */
export function encodeQueueName(queue: unknown): Uint8Array {
  if (typeof queue !== "string") {
    const got = queue === null
      ? "null"
      : typeof queue === "object"
      ? (queue as object).constructor?.name ?? "object"
      : String(queue);
    throw new TypeError(`queue name must be a string, got ${got}`);
  }
  const lone = queue.search(LONE_SURROGATE);
  if (lone !== -1) throw new InvalidQueueNameError(queue, "not-well-formed", lone);
  const bytes = encoder.encode(queue);
  if (bytes.length > MAX_QUEUE_NAME_BYTES) {
    throw new InvalidQueueNameError(queue, "too-long", bytes.length);
  }
  return bytes;
}
