/** Temporary directories and small byte helpers shared by the tests. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Creates a fresh temporary directory (in `parent`, default the OS's); `cleanup` removes it. */
export async function tempDir(
  prefix = "mrl-test-",
  parent = tmpdir(),
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(parent, prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Runs `fn` with a fresh temporary directory, removed when it settles. */
export async function inTempDir<T>(fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await tempDir();
  try {
    return await fn(dir.path);
  } finally {
    await dir.cleanup();
  }
}

/** UTF-8 bytes of a string. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** A string from UTF-8 bytes. */
export function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
