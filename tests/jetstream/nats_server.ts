/**
 * A real `nats-server -js` for the JetStream tests (not a test itself): found
 * on the PATH, started on a free loopback port with a store directory of its
 * own, stopped and started again on the same port and store. Also the
 * client-side helpers the tests share: connecting, creating a stream, and
 * reading back everything a stream holds.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";
import process from "node:process";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient, jetstreamManager } from "@nats-io/jetstream";
import { tempDir } from "../helpers/temp.ts";

/** The nats-server executable on the PATH, or undefined. */
export const natsServerPath: string | undefined = findOnPath("nats-server");

/** `skip` option of the JetStream tests: a reason when there is no server to run them against. */
export const skipWithoutNats: string | false = natsServerPath === undefined
  ? "nats-server not on PATH"
  : false;

if (natsServerPath === undefined) {
  console.error(
    "nats-server not on PATH: the JetStream tests (tests/jetstream/jetstream*) are skipped",
  );
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (free when asked). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One nats-server with JetStream, on its own port and store directory. */
export class NatsServer {
  readonly port: number;
  readonly #store: { path: string; cleanup: () => Promise<void> };
  #process: ChildProcess | undefined;
  #log = "";

  private constructor(port: number, store: { path: string; cleanup: () => Promise<void> }) {
    this.port = port;
    this.#store = store;
  }

  /** Starts a server on a free port with a fresh store directory. */
  static async start(): Promise<NatsServer> {
    const server = new NatsServer(await freePort(), await tempDir("mrl-nats-"));
    await server.restart();
    return server;
  }

  get url(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts the server (again: same port, same store); resolves once it is ready. */
  restart(): Promise<void> {
    if (this.#process !== undefined) return Promise.reject(new Error("nats-server is running"));
    const args = ["-js", "-a", "127.0.0.1", "-p", String(this.port), "-sd", this.#store.path];
    const child = spawn(natsServerPath!, args, { stdio: ["ignore", "ignore", "pipe"] });
    this.#process = child;
    return new Promise((resolve, reject) => {
      const guard = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`nats-server did not get ready in 20 s:\n${this.#log}`));
      }, 20_000);
      let ready = false;
      child.stderr!.setEncoding("utf8");
      child.stderr!.on("data", (chunk: string) => {
        this.#log += chunk;
        if (!ready && this.#log.includes("Server is ready")) {
          ready = true;
          clearTimeout(guard);
          resolve();
        }
      });
      child.on("error", (err) => {
        clearTimeout(guard);
        reject(err);
      });
      child.on("exit", (code, signal) => {
        if (this.#process === child) this.#process = undefined;
        if (!ready) {
          clearTimeout(guard);
          reject(new Error(`nats-server exited (${code ?? signal}):\n${this.#log}`));
        }
      });
    });
  }

  /** Stops the server gracefully (SIGTERM: what it acked is on disk) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (child === undefined) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    await exited;
  }

  /** Stops the server and removes its store. */
  async dispose(): Promise<void> {
    await this.stop();
    await this.#store.cleanup();
  }
}

/** A client connection that keeps reconnecting (every 100 ms) while the server is down. */
export function connectTo(server: NatsServer): Promise<NatsConnection> {
  return connect({
    servers: server.url,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
  });
}

/**
 * A stream capturing `subject` (the default 2-minute duplicate window), and a
 * client for it whose publishes give up after `timeoutMs` without an ack.
 */
export async function createStream(
  nc: NatsConnection,
  stream: string,
  subject: string,
  timeoutMs: number,
): Promise<JetStreamClient> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [subject] });
  return jetstream(nc, { timeout: timeoutMs });
}

/** Number of messages the stream holds. */
export async function streamMessages(nc: NatsConnection, stream: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(stream)).state.messages;
}

/** Every message of the stream in stream order: its message id and payload. */
export async function readStream(
  nc: NatsConnection,
  stream: string,
): Promise<{ id: string | undefined; payload: Uint8Array }[]> {
  const count = await streamMessages(nc, stream);
  const out: { id: string | undefined; payload: Uint8Array }[] = [];
  if (count === 0) return out;
  const consumer = await jetstream(nc).consumers.get(stream);
  const messages = await consumer.consume();
  for await (const m of messages) {
    out.push({ id: m.headers?.get("Nats-Msg-Id"), payload: m.data });
    if (m.info.pending === 0) break;
  }
  return out;
}

/** Resolves once `done()` holds, checking every 10 ms (at most `seconds`, then rejects naming `what`). */
export async function until(done: () => boolean, what: string, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting (${seconds} s) for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
