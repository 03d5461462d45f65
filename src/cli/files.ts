/**
 * Scans a log directory's wal files for `mrl`: sizes and how many blocks hold
 * data, with a progress bar on stderr when it is a terminal.
 *
 * @module
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import type { CliIo } from "./main.ts";

const BLOCK = 32768;

/** One wal file as scanned. */
export interface FileInfo {
  name: string;
  size: number;
  blocks: number;
  blocksWithData: number;
}

/** Reads every wal file of `dir`, block by block. */
export function scanFiles(dir: string, io: CliIo): Promise<FileInfo[]> {
  const names = readdirSync(dir).filter((n) => /^wal-\d{20}$/.test(n)).sort();
  const total = names.reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);
  const buffer = new Uint8Array(BLOCK * 32);
  const files: FileInfo[] = [];
  let done = 0;
  let shown = -1;
  for (const name of names) {
    const fd = openSync(join(dir, name), "r");
    const info: FileInfo = {
      name,
      size: statSync(join(dir, name)).size,
      blocks: 0,
      blocksWithData: 0,
    };
    try {
      for (let offset = 0;;) {
        const n = readSync(fd, buffer, 0, buffer.length, offset);
        if (n <= 0) break;
        for (let b = 0; b < n; b += BLOCK) {
          info.blocks++;
          const end = Math.min(n, b + BLOCK);
          for (let i = b; i < end; i++) {
            if (buffer[i] !== 0) {
              info.blocksWithData++;
              break;
            }
          }
        }
        offset += n;
        done += n;
        const percent = total === 0 ? 100 : Math.floor((done * 100) / total);
        if (io.isTty && percent !== shown) {
          shown = percent;
          const bar = "#".repeat(Math.floor(percent / 4)).padEnd(25, ".");
          io.err(`\rscanning [${bar}] ${percent}%`);
        }
      }
    } finally {
      closeSync(fd);
    }
    files.push(info);
  }
  if (io.isTty && shown >= 0) io.err("\r" + " ".repeat(40) + "\r");
  return Promise.resolve(files);
}
