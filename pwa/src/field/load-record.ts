// Opening a returned record for correction: from the outbox when a change is still on the phone,
// else from the server (GET /patrols/{id} or /visits/{id}), else from the copy of "my records"
// kept on the phone. The supervisor's last return comment comes along, to show on the form.
import { api, type PatrolOut, type RecordKind, type Review, type VisitOut } from "../api";
import { cacheGet } from "../db";
import * as outbox from "../outbox";
import { session } from "../session";

export const lastReturn = (reviews?: Review[]) => [...(reviews ?? [])].reverse().find((x) => x.decision === "return");

/** The kinds a field worker opens again for correction here (an inspection has its own form). */
export type Correctable = Extract<RecordKind, "patrol" | "visit">;

type Loaded<K> = (K extends "patrol" ? PatrolOut : VisitOut) & { returnComment?: string };

export async function loadRecord<K extends Correctable>(kind: K, id: string): Promise<Loaded<K> | null> {
  const local = await outbox.get(id);
  let server: PatrolOut | VisitOut | null = null;
  try {
    server = await (kind === "patrol" ? api.patrol(id) : api.visit(id));
  } catch {
    const cached = await cacheGet<(PatrolOut | VisitOut)[]>(`records:${session.get()?.user.id}:${kind}`).catch(
      () => undefined,
    );
    server = cached?.find((r) => r.id === id) ?? null;
  }
  const returnComment = lastReturn(server?.reviews)?.comment;
  if (local && local.state !== "sent")
    return { ...(local.body as object), id, status: "submitted", returnComment } as never;
  return server ? ({ ...server, returnComment } as never) : null;
}

/** Lists carry no reviews: fetch the few returned records' details so their comments can show. */
export async function withReviews<R extends { id: string; status: string; reviews?: Review[] }>(
  kind: Correctable,
  rows: R[],
): Promise<R[]> {
  return Promise.all(
    rows.map(async (r) => {
      if (r.status !== "returned" || r.reviews?.length) return r;
      try {
        const full = await (kind === "patrol" ? api.patrol(r.id) : api.visit(r.id));
        return { ...r, reviews: full.reviews };
      } catch {
        return r;
      }
    }),
  );
}
