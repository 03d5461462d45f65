/** Directory ownership at the port layer: kernel locks, the lock file, the owner-file fallback. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  acquireDirLock,
  FLOCK_INTENT_FILE,
  LOCK_FILE,
  LockedError,
} from "../../src/ports/dir_lock.ts";
import { type KernelLockResult, tryKernelLock } from "../../src/ports/kernel_lock.ts";
import { formatHolder, parseHolder, thisProcess } from "../../src/ports/lock_holder.ts";
import type { LockHolder } from "../../mod.ts";
import { OWNER_FILE } from "../../src/ports/owner_file.ts";
import { deviceLabel, lockKindsOn } from "../../src/ports/proc_locks.ts";
import { inTempDir, tempDir } from "../helpers/temp.ts";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** The pid of a process that has exited (so no process has it now, barring reuse). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["--version"]);
  assert.equal(child.status, 0);
  return child.pid!;
}

async function refusal(promise: Promise<unknown>): Promise<LockedError> {
  const err = await promise.then(() => undefined, (e) => e);
  assert.ok(err instanceof LockedError, `expected LockedError, got ${err}`);
  return err;
}

test("kernel lock: a second lock of the same file, even from this process, is busy until the first is released", async () => {
  const dir = await tempDir();
  try {
    const path = join(dir.path, "lockfile");
    const first = await tryKernelLock(path);
    assert.ok(first !== undefined && "held" in first, "this runtime takes a kernel lock");
    assert.deepEqual(await tryKernelLock(path), { busy: true });
    first.held.release();
    const again = await tryKernelLock(path);
    assert.ok(again !== undefined && "held" in again);
    again.held.release();
  } finally {
    await dir.cleanup();
  }
});

test("kernel lock: each runtime takes the kinds of lock the others check (flock and OFD where it can)", async () => {
  const dir = await tempDir();
  try {
    const result = await tryKernelLock(join(dir.path, "lockfile"));
    assert.ok(result !== undefined && "held" in result);
    const expected = process.platform !== "linux"
      ? ["flock"]
      : { deno: ["flock", "ofd"], bun: ["flock", "ofd"], node: ["ofd"] }[runtime];
    assert.deepEqual(result.held.kinds, expected);
    result.held.release();
  } finally {
    await dir.cleanup();
  }
});

test("dir lock: the lock file records this process while held, is blanked (one newline) on release and never deleted", async () => {
  const dir = await tempDir();
  try {
    const lock = await acquireDirLock(dir.path);
    const holder = parseHolder(readFileSync(join(dir.path, LOCK_FILE), "utf8"));
    const me = thisProcess();
    assert.equal(holder?.pid, process.pid);
    assert.equal(holder?.runtime, runtime);
    assert.equal(holder?.lock, "kernel");
    assert.equal(holder?.pidNamespace, me.pidNamespace);
    assert.equal(holder?.bootId, me.bootId);
    await lock.release();
    assert.equal(readFileSync(join(dir.path, LOCK_FILE), "utf8"), "\n"); // holds nobody
  } finally {
    await dir.cleanup();
  }
});

test("dir lock: a second acquire in this process is refused, naming this process, until released", async () => {
  const dir = await tempDir();
  try {
    const lock = await acquireDirLock(dir.path);
    const err = await refusal(acquireDirLock(dir.path));
    assert.equal(err.code, "ELOCKED");
    assert.equal(err.pid, process.pid);
    assert.equal(err.inThisProcess, true);
    assert.equal(err.hint, "use that instance, or close it first");
    await lock.release();
    await (await acquireDirLock(dir.path)).release();
  } finally {
    await dir.cleanup();
  }
});

test("dir lock: a kernel owner refuses while a live fallback owner file exists", async () => {
  const dir = await tempDir();
  try {
    const owner = { ...thisProcess(), pid: process.ppid, lock: "file" as const };
    writeFileSync(join(dir.path, OWNER_FILE), formatHolder(owner));
    const err = await refusal(acquireDirLock(dir.path));
    assert.equal(err.pid, process.ppid);
    assert.match(err.hint, /delete .*\.mrl\.owner/);
  } finally {
    await dir.cleanup();
  }
});

/**
 * A stand-in kernel lock holding `kinds` (Node holds "ofd" only, Deno
 * without FFI "flock" only): it creates the lock file and reports its real
 * device and inode.
 */
function fakeLock(...kinds: string[]): (path: string) => Promise<KernelLockResult> {
  return (path) => {
    closeSync(openSync(path, "a"));
    const st = statSync(path);
    return Promise.resolve({ held: { kinds, dev: st.dev, ino: st.ino, release() {} } });
  };
}

/** A /proc/locks line for a lock of `kind` held by another process on the file at `path`. */
function procLine(kind: "FLOCK" | "OFDLCK", path: string): string {
  const st = statSync(path);
  return `1: ${kind}  ADVISORY  WRITE 4242 ${deviceLabel(st.dev)}:${st.ino} 0 EOF\n`;
}

const linuxOnly = process.platform === "linux" ? undefined : "one-kind locks are a Linux matter";
const flockOwner = { pid: 4242, runtime: "deno", lock: "kernel" as const, kinds: ["flock"] };
const ofdOwner = { pid: 4242, runtime: "node", lock: "kernel" as const, kinds: ["ofd"] };

/** The holder recorded in file `name` of directory `dir`. */
function holderIn(dir: string, name: string): LockHolder | undefined {
  return parseHolder(readFileSync(join(dir, name), "utf8"));
}

/** A /proc/locks reader answering `table()` and counting its reads. */
function procLocks(table: () => string): { read: () => string; reads: number } {
  const reader = {
    reads: 0,
    read: () => {
      reader.reads++;
      return table();
    },
  };
  return reader;
}

test(
  "dir lock: an OFD-only owner records itself and reads no /proc/locks while no flock-only process announced itself",
  {
    skip: linuxOnly,
  },
  async () => {
    await inTempDir(async (dir) => {
      const proc = procLocks(() => "");
      const lock = await acquireDirLock(dir, {
        kernelLock: fakeLock("ofd"),
        readProcLocks: proc.read,
      });
      assert.equal(proc.reads, 0);
      assert.equal(holderIn(dir, LOCK_FILE)?.pid, process.pid);
      assert.deepEqual(holderIn(dir, LOCK_FILE)?.kinds, ["ofd"]);
      await lock.release();
    });
  },
);

test(
  "dir lock: an OFD-only owner refuses while an announced flock-only process holds its flock, and puts the lock file back",
  {
    skip: linuxOnly,
  },
  async () => {
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, LOCK_FILE), "\n");
      writeFileSync(join(dir, FLOCK_INTENT_FILE), formatHolder(flockOwner));
      const proc = procLocks(() => procLine("FLOCK", join(dir, LOCK_FILE)));
      const err = await refusal(
        acquireDirLock(dir, { kernelLock: fakeLock("ofd"), readProcLocks: proc.read }),
      );
      assert.equal(proc.reads, 10); // seen at every look: not a process of both kinds passing by
      assert.equal(err.pid, 4242);
      assert.match(err.message, /\.mrl\.flock/);
      assert.equal(readFileSync(join(dir, LOCK_FILE), "utf8"), "\n");
    });
  },
);

test(
  "dir lock: an OFD-only owner owns despite an announcement no flock stands behind (its writer died)",
  {
    skip: linuxOnly,
  },
  async () => {
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, FLOCK_INTENT_FILE), formatHolder(flockOwner));
      const proc = procLocks(() => "");
      const lock = await acquireDirLock(dir, {
        kernelLock: fakeLock("ofd"),
        readProcLocks: proc.read,
      });
      assert.equal(proc.reads, 1);
      assert.equal(holderIn(dir, LOCK_FILE)?.pid, process.pid);
      await lock.release();
    });
  },
);

test(
  "dir lock: a flock-only owner announces itself in .mrl.flock before it looks, and blanks it on release",
  {
    skip: linuxOnly,
  },
  async () => {
    await inTempDir(async (dir) => {
      const seen: (number | undefined)[] = [];
      const lock = await acquireDirLock(dir, {
        kernelLock: fakeLock("flock"),
        readProcLocks: () => {
          seen.push(holderIn(dir, FLOCK_INTENT_FILE)?.pid);
          return "";
        },
      });
      assert.deepEqual(seen, [process.pid]);
      assert.deepEqual(holderIn(dir, LOCK_FILE)?.kinds, ["flock"]);
      await lock.release();
      assert.equal(readFileSync(join(dir, FLOCK_INTENT_FILE), "utf8"), "\n");
      assert.equal(readFileSync(join(dir, LOCK_FILE), "utf8"), "\n");
    });
  },
);

test(
  "dir lock: a flock-only owner refuses while the lock file keeps recording an OFD-only owner, saying what to do",
  {
    skip: linuxOnly,
  },
  async () => {
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, LOCK_FILE), formatHolder(ofdOwner));
      const err = await refusal(acquireDirLock(dir, { kernelLock: fakeLock("flock") }));
      assert.equal(err.pid, 4242);
      assert.match(err.hint, /--allow-ffi/);
      assert.equal(readFileSync(join(dir, FLOCK_INTENT_FILE), "utf8"), "\n");
      assert.equal(readFileSync(join(dir, LOCK_FILE), "utf8"), formatHolder(ofdOwner));
    });
  },
);

test(
  "dir lock: a flock-only owner takes a record naming node without kinds (older versions) as OFD-only",
  {
    skip: linuxOnly,
  },
  async () => {
    await inTempDir(async (dir) => {
      const older = { pid: 4242, runtime: "node", lock: "kernel" as const };
      writeFileSync(join(dir, LOCK_FILE), formatHolder(older));
      const err = await refusal(acquireDirLock(dir, { kernelLock: fakeLock("flock") }));
      assert.equal(err.pid, 4242);
    });
  },
);

test("dir lock: a flock-only owner owns once the OFD-only owner it waits for gives up (a tie)", {
  skip: linuxOnly,
}, async () => {
  await inTempDir(async (dir) => {
    writeFileSync(join(dir, LOCK_FILE), formatHolder(ofdOwner));
    // That owner saw our announcement, and puts the text back as it gives up.
    setTimeout(() => writeFileSync(join(dir, LOCK_FILE), "\n"), 50);
    const lock = await acquireDirLock(dir, { kernelLock: fakeLock("flock") });
    assert.equal(holderIn(dir, LOCK_FILE)?.pid, process.pid);
    await lock.release();
  });
});

test(
  "dir lock: an owner of both kinds blanks an announcement left by a flock-only process that died",
  {
    skip: linuxOnly,
  },
  async () => {
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, FLOCK_INTENT_FILE), formatHolder(flockOwner));
      const lock = await acquireDirLock(dir, { kernelLock: fakeLock("flock", "ofd") });
      assert.equal(readFileSync(join(dir, FLOCK_INTENT_FILE), "utf8"), "\n");
      await lock.release();
    });
  },
);

test("fallback: the owner file names this process while held and is removed on release", async () => {
  const dir = await tempDir();
  try {
    const lock = await acquireDirLock(dir.path, { kernel: false });
    const holder = parseHolder(readFileSync(join(dir.path, OWNER_FILE), "utf8"));
    assert.equal(holder?.pid, process.pid);
    assert.equal(holder?.lock, "file");
    await lock.release();
    assert.equal(existsSync(join(dir.path, OWNER_FILE)), false);
  } finally {
    await dir.cleanup();
  }
});

test("fallback: an owner file whose process is alive in this namespace is refused", async () => {
  const dir = await tempDir();
  try {
    const owner = { ...thisProcess(), pid: process.ppid, lock: "file" as const };
    writeFileSync(join(dir.path, OWNER_FILE), formatHolder(owner));
    const err = await refusal(acquireDirLock(dir.path, { kernel: false }));
    assert.equal(err.pid, process.ppid);
    assert.equal(readFileSync(join(dir.path, OWNER_FILE), "utf8"), formatHolder(owner));
  } finally {
    await dir.cleanup();
  }
});

test("fallback: an owner file of a dead process of this namespace and boot is taken over", async () => {
  const dir = await tempDir();
  try {
    const stale = { ...thisProcess(), pid: deadPid(), lock: "file" as const };
    writeFileSync(join(dir.path, OWNER_FILE), formatHolder(stale));
    const lock = await acquireDirLock(dir.path, { kernel: false });
    assert.equal(parseHolder(readFileSync(join(dir.path, OWNER_FILE), "utf8"))?.pid, process.pid);
    await lock.release();
  } finally {
    await dir.cleanup();
  }
});

test("fallback: an owner file from another PID namespace is refused even if its pid is free here, saying how to clear it", async () => {
  const dir = await tempDir();
  try {
    const foreign = {
      ...thisProcess(),
      pid: deadPid(),
      pidNamespace: "pid:[1]",
      lock: "file" as const,
    };
    writeFileSync(join(dir.path, OWNER_FILE), formatHolder(foreign));
    const err = await refusal(acquireDirLock(dir.path, { kernel: false }));
    assert.equal(err.holder?.pidNamespace, "pid:[1]");
    assert.match(err.hint, /another PID namespace/);
    assert.ok(err.hint.includes(`delete ${join(dir.path, OWNER_FILE)}`), err.hint);
  } finally {
    await dir.cleanup();
  }
});

test("fallback: an owner file from another boot is refused", async () => {
  const dir = await tempDir();
  try {
    const foreign = {
      ...thisProcess(),
      pid: deadPid(),
      bootId: "other-boot",
      lock: "file" as const,
    };
    writeFileSync(join(dir.path, OWNER_FILE), formatHolder(foreign));
    const err = await refusal(acquireDirLock(dir.path, { kernel: false }));
    assert.equal(err.holder?.bootId, "other-boot");
  } finally {
    await dir.cleanup();
  }
});

test("fallback: an owner file that cannot be read as an owner is refused, not taken over", async () => {
  const dir = await tempDir();
  try {
    writeFileSync(join(dir.path, OWNER_FILE), "{not json");
    const err = await refusal(acquireDirLock(dir.path, { kernel: false }));
    assert.equal(err.holder, undefined);
    assert.equal(readFileSync(join(dir.path, OWNER_FILE), "utf8"), "{not json");
  } finally {
    await dir.cleanup();
  }
});

test("fallback: refused while the lock file records a live kernel owner", async () => {
  const dir = await tempDir();
  try {
    const owner = { ...thisProcess(), pid: process.ppid, lock: "kernel" as const };
    writeFileSync(join(dir.path, LOCK_FILE), formatHolder(owner));
    const err = await refusal(acquireDirLock(dir.path, { kernel: false }));
    assert.equal(err.pid, process.ppid);
    assert.equal(existsSync(join(dir.path, OWNER_FILE)), false, "its own owner file is removed");
  } finally {
    await dir.cleanup();
  }
});

test("lock holder: parses the JSON line, the bare pid older versions wrote, and nothing else", () => {
  const holder = { pid: 7, host: "h", runtime: "bun", lock: "kernel" as const, since: "t" };
  assert.deepEqual(parseHolder(formatHolder(holder)), holder);
  assert.deepEqual(parseHolder("1234\n"), { pid: 1234 });
  assert.equal(parseHolder(""), undefined);
  assert.equal(parseHolder('{"pid":'), undefined);
  assert.equal(parseHolder("[1]"), undefined);
  assert.deepEqual(parseHolder('{"pid":"x","lock":"other"}'), {});
});

test("/proc/locks: device numbers are split as the kernel prints them", () => {
  assert.equal(deviceLabel(65024), "fe:00"); // major 254, minor 0
  assert.equal(deviceLabel((259 << 8) | 3), "103:03");
  assert.equal(deviceLabel(0x45 | (0x123 << 20)), "00:12345"); // a minor above 255
  assert.equal(deviceLabel(2 ** 32 * 0x1000 + (1 << 8)), "1001:00"); // a major above 4095
});

test("/proc/locks: the kinds held on one file are listed, waiters left out", () => {
  const table = [
    "1: FLOCK  ADVISORY  WRITE 5803 fe:00:2146976 0 EOF",
    "1: -> FLOCK  ADVISORY  WRITE 5900 fe:00:2146976 0 EOF",
    "2: OFDLCK ADVISORY  WRITE -1 fe:00:2146976 0 EOF",
    "3: POSIX  ADVISORY  READ 5803 fe:00:16039952 128 128",
    "4: FLOCK  ADVISORY  WRITE 77 fe:01:2146976 0 EOF",
  ].join("\n");
  assert.deepEqual(lockKindsOn(table, 65024, 2146976), ["FLOCK", "OFDLCK"]);
  assert.deepEqual(lockKindsOn(table, 65024, 16039952), ["POSIX"]);
  assert.deepEqual(lockKindsOn(table, 65024, 1), []);
});
