// Opening a returned record for correction: from the outbox when a change is still on the phone,
// else from the server (GET /patrols/{id} or /visits/{id}).
import { api, type PatrolOut, type VisitOut } from "../api";
import * as outbox from "../outbox";

export async function loadRecord<K extends "patrol" | "visit">(kind: K, id: string): Promise<(K extends "patrol" ? PatrolOut : VisitOut) | null> {
  const local = await outbox.get(id);
  if (local && local.state !== "sent") return { ...(local.body as object), id, status: "submitted" } as never;
  try {
    return (await (kind === "patrol" ? api.patrol(id) : api.visit(id))) as never;
  } catch {
    return null;
  }
}
