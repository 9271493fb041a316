import { describe, expect, it, vi } from "vitest";
import { ApiError, parseRetryAfter } from "../src/api";
import { cannotSucceed, describeError } from "../src/errors";
import * as outbox from "../src/outbox";
import type { OutboxItem } from "../src/outbox";
import { backoff, drain, isRetryable, pausedUntilAt, type SyncDeps } from "../src/sync";

const USER = "u1";

async function seed() {
  await outbox.enqueue({ kind: "visit", id: "v1", userId: USER, body: { summary: "ok" }, label: "走访" }, [
    {
      id: "p1",
      recordId: "v1",
      recordKind: "visit",
      userId: USER,
      blob: new Blob(["a"]),
      contentType: "image/jpeg",
      query: {},
      label: "1",
    },
    {
      id: "p2",
      recordId: "v1",
      recordKind: "visit",
      userId: USER,
      blob: new Blob(["b"]),
      contentType: "image/jpeg",
      query: {},
      label: "2",
    },
  ]);
}

/** A server that stores by id, like the API's idempotent PUT, and can misbehave on cue. */
function fakeServer() {
  const stored = new Map<string, number>(); // id -> times a body arrived
  const script: Array<(item: OutboxItem) => void> = [];
  const send = vi.fn(async (item: OutboxItem, blob?: Blob) => {
    const step = script.shift();
    step?.(item);
    if (item.kind === "photo" && !blob) throw new ApiError(410, "no blob");
    stored.set(item.id, (stored.get(item.id) ?? 0) + 1);
  });
  const deps: SyncDeps = { userId: () => USER, send, onAuthNeeded: vi.fn(), random: () => 0.5 };
  return { stored, script, send, deps };
}

describe("sync", () => {
  it("sends records and photos and marks them sent", async () => {
    await seed();
    const s = fakeServer();
    expect(await drain(s.deps)).toBe(3);
    expect([...s.stored.keys()]).toEqual(["v1", "p1", "p2"]);
    expect(await outbox.pendingCount(USER)).toBe(0);
  });

  it("sends the photo bytes kept in the outbox", async () => {
    await seed();
    const s = fakeServer();
    await drain(s.deps);
    const [, blob] = s.send.mock.calls[1];
    expect(await (blob as Blob).text()).toBe("a");
  });

  it("a lost answer is retried later with the same id, so the server still has it once", async () => {
    await seed();
    const s = fakeServer();
    // the server stores v1, but the answer never reaches the phone
    s.script.push((item) => {
      s.stored.set(item.id, 1);
      throw new ApiError(0, "connection reset");
    });
    await drain(s.deps);
    expect(await outbox.get("v1")).toMatchObject({ state: "waiting", attempts: 1 });
    await outbox.retry("v1");
    await drain(s.deps);
    expect(s.stored.size).toBe(3);
    expect(s.send.mock.calls.filter(([i]) => i.id === "v1").every(([i]) => i.id === "v1")).toBe(true);
    expect(await outbox.pendingCount(USER)).toBe(0);
  });

  it("a dropped photo upload goes again after its backoff; the others are not held up", async () => {
    await seed();
    const s = fakeServer();
    s.script.push(
      () => undefined,
      () => {
        throw new ApiError(0, "aborted");
      },
    );
    await drain(s.deps);
    expect((await outbox.get("p1"))?.state).toBe("waiting");
    expect((await outbox.get("p2"))?.state).toBe("sent");
    expect((await outbox.get("p1"))!.nextAttemptAt).toBeGreaterThan(Date.now());
    await drain(s.deps);
    expect(s.send).toHaveBeenCalledTimes(3); // not yet due
    await outbox.retry("p1");
    await drain(s.deps);
    expect(await outbox.pendingCount(USER)).toBe(0);
  });

  it("a 5xx, 408 or 429 waits and is tried again, counting attempts", async () => {
    await seed();
    const s = fakeServer();
    s.script.push(() => {
      throw new ApiError(503, "database unavailable", undefined, "database_unavailable");
    });
    await drain(s.deps);
    expect(await outbox.get("v1")).toMatchObject({
      state: "waiting",
      attempts: 1,
      lastError: "503:database_unavailable:",
    });
  });

  it("stops after two failures in a row: the link is down", async () => {
    await seed();
    const s = fakeServer();
    s.script.push(
      () => {
        throw new ApiError(0, "offline");
      },
      () => {
        throw new ApiError(0, "offline");
      },
    );
    await drain(s.deps);
    expect(s.send).toHaveBeenCalledTimes(2);
    expect((await outbox.get("p2"))?.state).toBe("waiting");
  });

  it("a 4xx is a permanent failure, kept as facts said in the user's language (never the server's English)", async () => {
    await seed();
    const s = fakeServer();
    s.script.push(
      () => undefined,
      () => {
        throw new ApiError(415, "not an accepted image", undefined, "not_an_image");
      },
    );
    await drain(s.deps);
    const failed = await outbox.get("p1");
    expect(failed).toMatchObject({ state: "failed", lastError: "415:not_an_image:" });
    expect(describeError(failed?.lastError)).toBe("这个文件不是照片，或已损坏：无法上传");
    expect(cannotSucceed(failed?.lastError)).toBe(true);
    expect((await outbox.get("p2"))?.state).toBe("sent");
    expect(await outbox.pendingCount(USER)).toBe(1);
  });

  it("a 409 on a decided record is permanent too", async () => {
    await seed();
    const s = fakeServer();
    s.script.push(() => {
      throw new ApiError(409, "this visit was approved", undefined, "conflict");
    });
    await drain(s.deps);
    expect(await outbox.get("v1")).toMatchObject({ state: "failed", lastError: "409:conflict:" });
    expect(cannotSucceed("409:conflict:")).toBe(false);
  });

  it("a 401 asks for a new login and loses nothing", async () => {
    await seed();
    const s = fakeServer();
    s.script.push(() => {
      throw new ApiError(401, "token expired");
    });
    await drain(s.deps);
    expect(s.deps.onAuthNeeded).toHaveBeenCalledOnce();
    expect(s.send).toHaveBeenCalledTimes(1);
    expect(await outbox.get("v1")).toMatchObject({ state: "waiting", attempts: 0 });
    expect(await outbox.getBlob("p1")).toBeDefined();
    expect(await outbox.pendingCount(USER)).toBe(3);
  });

  it("does nothing without a signed-in user", async () => {
    await seed();
    const s = fakeServer();
    expect(await drain({ ...s.deps, userId: () => null })).toBe(0);
    expect(s.send).not.toHaveBeenCalled();
  });

  it("concurrent triggers share one run, so nothing is sent twice at once", async () => {
    await seed();
    const s = fakeServer();
    const [a, b] = await Promise.all([drain(s.deps), drain(s.deps)]);
    expect(a).toBe(3);
    expect(b).toBe(3);
    expect(s.send).toHaveBeenCalledTimes(3);
  });

  it("backs off exponentially with jitter, up to five minutes", () => {
    expect(backoff(1, () => 0.5)).toBe(2000);
    expect(backoff(2, () => 0.5)).toBe(4000);
    expect(backoff(4, () => 0.5)).toBe(16000);
    expect(backoff(30, () => 0.5)).toBe(300000);
    expect(backoff(1, () => 0)).toBe(1600);
    expect(backoff(1, () => 1)).toBe(2400);
  });

  it("treats the network, 408, 429 and 5xx as passing trouble, other 4xx as final", () => {
    expect([0, 408, 429, 500, 503].every(isRetryable)).toBe(true);
    expect([400, 403, 404, 409, 413, 415, 422].some(isRetryable)).toBe(false);
  });

  it("a 503 with Retry-After pauses the whole outbox that long, then everything goes once", async () => {
    await seed();
    const s = fakeServer();
    const start = Date.now() - 60_000; // a clock of our own, ending its pause before the real now
    const clock = vi.spyOn(Date, "now").mockReturnValue(start);
    try {
      s.script.push(() => {
        throw new ApiError(503, "busy", undefined, "unavailable", 7000);
      });
      expect(await drain(s.deps)).toBe(0);
      expect(s.send).toHaveBeenCalledTimes(1); // the rest of the queue did not hammer the server
      expect(pausedUntilAt() - start).toBeGreaterThanOrEqual(7000);
      expect((await outbox.get("v1"))!.nextAttemptAt - start).toBeGreaterThanOrEqual(7000);
      clock.mockReturnValue(start + 6000);
      expect(await drain(s.deps)).toBe(0); // still asked to wait
      expect(s.send).toHaveBeenCalledTimes(1);
      clock.mockReturnValue(start + 9000);
      expect(await drain(s.deps)).toBe(3);
      expect([...s.stored.values()]).toEqual([1, 1, 1]);
      expect(await outbox.pendingCount(USER)).toBe(0);
    } finally {
      clock.mockRestore();
    }
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:10 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"))).toBe(10_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});
