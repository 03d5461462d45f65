/**
 * OneKindCheck on its own: what an attempt holding one kind of kernel lock
 * writes before it is sure to own a directory, and how it takes it back.
 * (tests/ports/dir_lock.test.ts checks the whole protocol through
 * acquireDirLock.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { formatHolder, parseHolder } from "../../src/ports/lock_holder.ts";
import { FLOCK_INTENT_FILE, OneKindCheck } from "../../src/ports/one_kind_owner.ts";
import { inTempDir } from "../helpers/temp.ts";

const linuxOnly = process.platform === "linux" ? undefined : "one-kind locks are a Linux matter";
const previous = formatHolder({ pid: 7, runtime: "bun", lock: "kernel" });
const record = formatHolder({ pid: process.pid, runtime: "test", lock: "kernel" });

/** A check for `kinds` on directory `dir`, whose lock file holds `previous`. */
function check(dir: string, kinds: string[]): OneKindCheck {
  const lockPath = join(dir, ".mrl.lock");
  writeFileSync(lockPath, previous);
  const st = statSync(lockPath);
  const lock = { kinds, dev: st.dev, ino: st.ino, release() {} };
  const intentPath = join(dir, FLOCK_INTENT_FILE);
  return new OneKindCheck({ lockPath, intentPath }, lock, record, () => "");
}

test(
  "one-kind check: an OFD-only attempt writes its record first, and undo puts the old text back",
  {
    skip: linuxOnly,
  },
  async () => {
    await inTempDir(async (dir) => {
      const attempt = check(dir, ["ofd"]);
      assert.equal(await attempt.run(), undefined);
      assert.equal(attempt.recordWritten, true);
      assert.equal(parseHolder(readFileSync(join(dir, ".mrl.lock"), "utf8"))?.pid, process.pid);
      attempt.undo();
      assert.equal(readFileSync(join(dir, ".mrl.lock"), "utf8"), previous);
      assert.equal(attempt.recordWritten, false);
    });
  },
);

test("one-kind check: a flock-only attempt announces itself, and release withdraws it once", {
  skip: linuxOnly,
}, async () => {
  await inTempDir(async (dir) => {
    const attempt = check(dir, ["flock"]);
    assert.equal(await attempt.run(), undefined);
    assert.equal(attempt.recordWritten, false); // the owner writes it once the other checks pass
    const intent = join(dir, FLOCK_INTENT_FILE);
    assert.equal(readFileSync(intent, "utf8"), record);
    attempt.release();
    assert.equal(readFileSync(intent, "utf8"), "\n");
    writeFileSync(intent, "later\n");
    attempt.release(); // already withdrawn: leaves a later announcement alone
    assert.equal(readFileSync(intent, "utf8"), "later\n");
  });
});

test("one-kind check: an attempt holding both kinds writes nothing", async () => {
  await inTempDir(async (dir) => {
    const attempt = check(dir, ["flock", "ofd"]);
    assert.equal(await attempt.run(), undefined);
    assert.equal(attempt.recordWritten, false);
    assert.equal(readFileSync(join(dir, ".mrl.lock"), "utf8"), previous);
    assert.throws(() => statSync(join(dir, FLOCK_INTENT_FILE)), { code: "ENOENT" });
  });
});
