/**
 * The checks of the options and arguments a user gives, queue names
 * included (the one check every call that takes a name shares): each throws
 * an `InvalidArgumentError` (or `InvalidQueueNameError`) naming the argument
 * and the bad value, before anything is touched.
 *
 * @module
 */
import { InvalidArgumentError, InvalidQueueNameError } from "./errors.ts";
import { BLOCK_SIZE, MAX_PAYLOAD_BYTES, MAX_QUEUE_NAME_BYTES } from "./format/constants.ts";
import type { FileSystem } from "./ports/file_system.ts";
import type {
  CompactionOptions,
  Limits,
  OpenOptions,
  PersistAction,
  PersistPolicy,
  RangeOptions,
  ScanOptions,
  ShipOptions,
} from "./types.ts";

/** Smallest `fileSize`: one block. */
export const MIN_FILE_SIZE = BLOCK_SIZE;
/** Largest `fileSize` the option accepts: 4 GiB (131,072 blocks). */
export const MAX_FILE_SIZE = 4 * 1024 * 1024 * 1024;

/**
 * Checks the `fileSize` option (of an open, a scan, the CLI's `--file-size`):
 * a multiple of 32768 from {@link MIN_FILE_SIZE} to {@link MAX_FILE_SIZE}.
 */
export function checkFileSize(value: unknown): asserts value is number {
  if (
    typeof value !== "number" || !Number.isSafeInteger(value) || value < MIN_FILE_SIZE ||
    value > MAX_FILE_SIZE || value % BLOCK_SIZE !== 0
  ) {
    throw new InvalidArgumentError(
      "fileSize",
      kindOf(value, "number"),
      `fileSize must be a multiple of ${BLOCK_SIZE} from ${MIN_FILE_SIZE} to ${MAX_FILE_SIZE} ` +
        `(4 GiB), got ${typeof value === "string" ? JSON.stringify(value) : String(value)}`,
    );
  }
}

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
  /** Where payloads are kept. */
  payloads: "memory" | "disk";
  /** Disk mode's block cache, in bytes. */
  readCacheBytes: number;
}

/** Disk mode's block cache when `readCacheBytes` is not given. */
export const DEFAULT_READ_CACHE_BYTES = 8 * 1024 * 1024;

/** Checks a string argument that must not be empty (a directory, a subject). */
export function checkNonEmptyString(value: unknown, argument: string): asserts value is string {
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidArgumentError(
      argument,
      kindOf(value, "string"),
      `${argument} must be a non-empty string, got ${describe(value)}`,
    );
  }
}

/** Checks that the options argument is an object. */
function checkOptionsObject(options: unknown): asserts options is object {
  if (options === null || typeof options !== "object") {
    throw new InvalidArgumentError(
      "options",
      "type",
      `options must be an object, got ${describe(options)}`,
    );
  }
}

/** Checks the arguments of `MultiRecordLog.open`. */
export function checkOpenOptions(dir: unknown, options: OpenOptions): CheckedOpenOptions {
  checkNonEmptyString(dir, "dir");
  checkOptionsObject(options);
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
    payloads: checkPayloadsOption(options.payloads),
    readCacheBytes: checkReadCacheBytes(options.readCacheBytes),
  };
}

/** Checks the `payloads` option: "memory", "disk" or absent ("memory"). */
function checkPayloadsOption(payloads: unknown): "memory" | "disk" {
  if (payloads === undefined) return "memory";
  if (payloads !== "memory" && payloads !== "disk") {
    throw new InvalidArgumentError(
      "payloads",
      kindOf(payloads, "string"),
      `payloads must be "memory" or "disk", got ${describe(payloads)}`,
    );
  }
  return payloads;
}

/** Checks the `readCacheBytes` option: a non-negative safe integer or absent (8 MiB). */
function checkReadCacheBytes(bytes: unknown): number {
  if (bytes === undefined) return DEFAULT_READ_CACHE_BYTES;
  if (typeof bytes !== "number" || !Number.isSafeInteger(bytes) || bytes < 0) {
    throw new InvalidArgumentError(
      "readCacheBytes",
      kindOf(bytes, "number"),
      `readCacheBytes must be a non-negative integer (bytes), got ${describe(bytes)}`,
    );
  }
  return bytes;
}

/** Checks the `lock` option: a boolean or absent (true). */
function checkLock(lock: unknown): boolean {
  if (lock === undefined) return true;
  if (typeof lock !== "boolean") {
    throw new InvalidArgumentError("lock", "type", `lock must be a boolean, got ${String(lock)}`);
  }
  return lock;
}

/** Checks a persist action (`argument` names where it was given): "flush" or "fsync". */
export function checkPersistAction(
  action: unknown,
  argument: string,
): asserts action is PersistAction {
  if (action !== "flush" && action !== "fsync") {
    throw new InvalidArgumentError(
      argument,
      kindOf(action, "string"),
      `${argument} must be "flush" or "fsync", got ${String(action)}`,
    );
  }
}

/** Checks a persist policy given by a user. */
function checkPersistPolicy(policy: PersistPolicy): void {
  if (policy === null || typeof policy !== "object") {
    throw new InvalidArgumentError(
      "persistPolicy",
      "type",
      `persistPolicy must be an object, got ${String(policy)}`,
    );
  }
  const kind = (policy as { kind?: unknown }).kind;
  if (kind === "never") return;
  if (kind !== "always" && kind !== "interval") {
    throw new InvalidArgumentError(
      "persistPolicy.kind",
      kindOf(kind, "string"),
      `persistPolicy.kind must be "always", "interval" or "never", got ${String(kind)}`,
    );
  }
  checkPersistAction((policy as { action?: unknown }).action, "persistPolicy.action");
  if (kind === "interval") {
    const ms = (policy as { intervalMs?: unknown }).intervalMs;
    if (typeof ms !== "number" || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new InvalidArgumentError(
        "persistPolicy.intervalMs",
        kindOf(ms, "number"),
        `persistPolicy.intervalMs must be a finite number >= 0, got ${String(ms)}`,
      );
    }
    const timer = (policy as { timer?: unknown }).timer;
    if (timer !== undefined && typeof timer !== "boolean") {
      throw new InvalidArgumentError(
        "persistPolicy.timer",
        "type",
        `persistPolicy.timer must be a boolean, got ${String(timer)}`,
      );
    }
  }
}

/** Checks the limits given by a user. */
function checkLimits(limits: Limits): Limits {
  if (limits === null || typeof limits !== "object") {
    throw new InvalidArgumentError(
      "limits",
      "type",
      `limits must be an object, got ${String(limits)}`,
    );
  }
  for (const key of ["maxMemoryBytes", "maxDiskBytes"] as const) {
    const value = limits[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
      throw new InvalidArgumentError(
        `limits.${key}`,
        kindOf(value, "number"),
        `limits.${key} must be a positive integer, got ${String(value)}`,
      );
    }
  }
  return { maxMemoryBytes: limits.maxMemoryBytes, maxDiskBytes: limits.maxDiskBytes };
}

/** Checks the compaction options given by a user. */
function checkCompaction(options: CompactionOptions | false): CompactionOptions | false {
  if (options === false) return false;
  if (options === null || typeof options !== "object") {
    throw new InvalidArgumentError(
      "compaction",
      "type",
      `compaction must be an object or false, got ${String(options)}`,
    );
  }
  for (const key of ["maxPinnedFiles", "maxDiskBytes"] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new InvalidArgumentError(
        `compaction.${key}`,
        kindOf(value, "number"),
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

/** Checks the arguments of `scanLog`. */
export function checkScanOptions(dir: unknown, options: ScanOptions): void {
  checkNonEmptyString(dir, "dir");
  checkOptionsObject(options);
  if (options.fileSize !== undefined) checkFileSize(options.fileSize);
  const queues = options.queues as unknown;
  if (
    queues !== undefined &&
    (!Array.isArray(queues) || !queues.every((queue) => typeof queue === "string"))
  ) {
    throw new InvalidArgumentError(
      "queues",
      "type",
      `queues must be an array of queue names (strings), got ${describe(queues)}`,
    );
  }
  const onProgress = options.onProgress as unknown;
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw new InvalidArgumentError(
      "onProgress",
      "type",
      `onProgress must be a function, got ${describe(onProgress)}`,
    );
  }
}

/** {@link ShipOptions} once checked, with their defaults. */
export interface CheckedShipOptions {
  maxBatch: number;
  initialMs: number;
  maxMs: number;
}

/** Default `ShipOptions`: 500 records a batch, pauses from 100 ms up to 5 s. */
const SHIP_DEFAULTS = { maxBatch: 500, initialMs: 100, maxMs: 5_000 };

/** Checks the arguments of `ship()` for `queue`; returns the numbers with their defaults. */
export function checkShipOptions(
  queue: string,
  sink: unknown,
  options: ShipOptions,
): CheckedShipOptions {
  checkOptionsObject(options);
  const maxBatch = positiveInteger(options.maxBatch ?? SHIP_DEFAULTS.maxBatch, "maxBatch");
  const initialMs = positiveInteger(
    options.backoff?.initialMs ?? SHIP_DEFAULTS.initialMs,
    "backoff.initialMs",
  );
  const maxMs = positiveInteger(options.backoff?.maxMs ?? SHIP_DEFAULTS.maxMs, "backoff.maxMs");
  if (typeof sink !== "function") {
    throw new InvalidArgumentError(
      "sink",
      "type",
      `sink for queue ${JSON.stringify(queue)} must be a function returning a promise`,
    );
  }
  checkSignal(options.signal, queue);
  if (options.onError !== undefined && typeof options.onError !== "function") {
    throw new InvalidArgumentError(
      "onError",
      "type",
      `onError for queue ${JSON.stringify(queue)} must be a function`,
    );
  }
  return { maxBatch, initialMs, maxMs: Math.max(initialMs, maxMs) };
}

function positiveInteger(value: unknown, argument: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(
      argument,
      kindOf(value, "number"),
      `${argument} must be a positive integer, got ${describe(value)}`,
    );
  }
  return value;
}

/** Checks the `signal` option given to follow `queue`: an AbortSignal, or undefined. */
export function checkSignal(signal: unknown, queue: string): void {
  if (signal === undefined) return;
  const s = signal as { aborted?: unknown; addEventListener?: unknown };
  if (
    signal === null || typeof signal !== "object" || typeof s.aborted !== "boolean" ||
    typeof s.addEventListener !== "function"
  ) {
    throw new InvalidArgumentError(
      "signal",
      "type",
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
    throw new InvalidArgumentError(
      what,
      kindOf(value, "number"),
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
    throw new InvalidArgumentError(
      "payloads",
      "type",
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
      throw new InvalidArgumentError(
        `payloads[${i}]`,
        "type",
        `payload ${i} for queue ${JSON.stringify(queue)} must be a Uint8Array, got ${
          describe(payload)
        }`,
      );
    }
    if (payload.length > MAX_PAYLOAD_BYTES) {
      throw new InvalidArgumentError(
        `payloads[${i}]`,
        "range",
        `payload ${i} for queue ${JSON.stringify(queue)} is ${payload.length} bytes, over ` +
          `the limit of ${MAX_PAYLOAD_BYTES} (4 GiB - 1): split it into smaller records`,
      );
    }
    bytes += payload.length;
  }
  return bytes;
}

/** "range" when `value` has the type a check wants (so its value is what is wrong), else "type". */
export function kindOf(value: unknown, type: "number" | "string"): "type" | "range" {
  const actual: string = typeof value;
  return actual === type ? "range" : "type";
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
 * log): a string (else {@link InvalidArgumentError}), well-formed UTF-16, at
 * most 65,535 UTF-8 bytes (else {@link InvalidQueueNameError}).
 */
export function encodeQueueName(queue: unknown): Uint8Array {
  if (typeof queue !== "string") {
    const got = queue === null
      ? "null"
      : typeof queue === "object"
      ? (queue as object).constructor?.name ?? "object"
      : String(queue);
    throw new InvalidArgumentError("queue", "type", `queue name must be a string, got ${got}`);
  }
  const lone = queue.search(LONE_SURROGATE);
  if (lone !== -1) throw new InvalidQueueNameError(queue, "not-well-formed", lone);
  const bytes = encoder.encode(queue);
  if (bytes.length > MAX_QUEUE_NAME_BYTES) {
    throw new InvalidQueueNameError(queue, "too-long", bytes.length);
  }
  return bytes;
}
