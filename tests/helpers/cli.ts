/** Running `mrl` in-process and the small logs its tests read. */
import { MultiRecordLog } from "../../mod.ts";
import { run } from "../../src/cli/main.ts";

/**
 * Runs `mrl args` in-process: its exit status and what it wrote to stdout
 * and stderr (`isTty`: stderr is a terminal; the clock moves 50 ms a read).
 */
export async function runMrl(
  args: string[],
  isTty = false,
): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  let clock = 0;
  const code = await run(args, {
    out: (t) => {
      out += typeof t === "string" ? t : new TextDecoder().decode(t);
    },
    err: (t) => {
      err += t;
    },
    isTty,
    now: () => (clock += 50),
  });
  return { code, out, err };
}

/**
 * A log of 300 records of 1000 bytes ("a"s after the position as u32) in
 * files of 4 blocks (3 files).
 */
export async function write300(dir: string): Promise<void> {
  const log = await MultiRecordLog.open(dir, { fileSize: 4 * 32768 });
  await log.createQueue("q");
  for (let i = 0; i < 300; i++) {
    const payload = new Uint8Array(1000).fill(0x61);
    new DataView(payload.buffer).setUint32(0, i);
    await log.appendRecord("q", payload);
  }
  await log.close();
}
