// Typed fetch for /api/v1 (shared/docs/api-v1.md). Every screen, field or supervisor, calls the
// server through here; the token comes from the remembered session.
import { value } from "./store";

// The wire types are generated from the server's OpenAPI document (src/api-schema.ts, by
// scripts/openapi.py): re-exported here under the names the screens use, never written by hand.
import type { components } from "./api-schema";
/** Every schema of the document, for a body written inline (`{ ... } satisfies Schemas["XIn"]`). */
export type Schemas = components["schemas"];

export type User = Schemas["UserOut"];
export type Role = User["role"];
/** A user as GET /users lists them (supervisors and admins), with the account's state. */
export type UserAdmin = Schemas["UserAdminOut"];
export type UserIn = Schemas["UserIn"];
export type UserPatch = Schemas["UserPatch"];
/** A ready-made return comment, in Chinese and English (GET/PUT /return-reasons). */
export type ReturnReason = Schemas["ReturnReasonIO"];
export type LoginOut = Schemas["LoginOut"];
export type Point = Schemas["Point"];
/** A position fix; the phone's own always has its accuracy and time. */
export type Fix = Schemas["Fix"] & { accuracy_m: number; captured_at: string };
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type OrgUnit = Schemas["OrgUnitOut"];
export type Station = Schemas["StationOut"];
export type StationStandard = NonNullable<Station["standard"]>;
export type UnitLevel = OrgUnit["level"];
/** A checklist template version, as GET /checklist-templates lists it (src/stations.ts caches them). */
export type ChecklistTemplate = Schemas["TemplateOut"];
export type TemplateItem = Schemas["TemplateItemOut"];
/** A label or hint in Chinese and English. */
export type Bilingual = Schemas["Label"];
export type Facility = Schemas["FacilityOut"];
export type Subject = Schemas["SubjectOut"];

// Codes come from the checklist templates (src/stations.ts).
export type ChecklistItem = Schemas["ChecklistItem"];
export type ItemResult = ChecklistItem["result"];
export type InspectionIn = Schemas["InspectionIn"];
export type PatrolIn = Schemas["PatrolIn"];
export type VisitIn = Schemas["VisitIn"];
export type VisitType = VisitIn["visit_type"];
/** The one visit type that carries an award (送喜报): storage/vocabulary.py's AWARD_VISIT_TYPE.
 * The OpenAPI document does not say which one it is, so it is written here, once, for the PWA. */
export const AWARD_VISIT_TYPE: VisitType = "merit_notice";
export type RecordStatus = Schemas["PatrolOut"]["status"];
export type Flag = Schemas["FlagOut"];
export type FlagCode = Flag["code"];
export type Review = Schemas["ReviewOut"];
export type Author = Schemas["AuthorOut"];
export type PhotoOut = Schemas["PhotoOut"];
/** The server's evidence thresholds, for the phone's on-site warnings (one source: api/settings.py). */
export type EvidenceRules = Schemas["EvidenceRulesOut"];
export type PatrolOut = Schemas["PatrolOut"];
export type VisitOut = Schemas["VisitOut"];
export type InspectionOut = Schemas["InspectionOut"];
/** Any record as GET /{kind}s/{id} answers it. */
export type RecordOut = PatrolOut | VisitOut | InspectionOut;
export type RecordKind = Schemas["QueueItem"]["kind"];
export type QueueItem = Schemas["QueueItem"];
export type QueueType = QueueItem["type"];
export type ErrorCode = Schemas["ErrorOut"]["code"];
/** A record a batch approval could not take, and why (a code). */
export type Refused = Schemas["Refused"];
export type AwardGrade = Schemas["Award"]["grade"];
// Every value of the schema's enums, for the pickers and filters that offer them (labels in the
// string tables, keyed by code; tests/vocabulary.test.ts checks each has one in both languages).
export {
  awardGradeValues as AWARD_GRADES,
  errorOutCodeValues as ERROR_CODES,
  flagCodeValues as FLAG_CODES,
  queueItemKindValues as RECORD_KINDS,
  queueItemStatusValues as RECORD_STATUSES,
  queueItemTypeValues as QUEUE_TYPES,
  subjectInCategoryValues as SUBJECT_CATEGORIES,
  taskOutStatusValues as TASK_STATUSES,
  visitInVisit_typeValues as VISIT_TYPES,
  facilityInKindValues as FACILITY_KINDS,
  facilityInProtection_levelValues as PROTECTION_LEVELS,
  refusedReasonValues as BATCH_REFUSAL_REASONS,
  auditOutActionValues as AUDIT_ACTIONS,
  userInRoleValues as ROLES,
  appliesToOutStandardOneOf0Values as STATION_STANDARDS,
  checklistItemResultValues as ITEM_RESULTS,
} from "./api-schema";
import { auditOutEntityValues, queueItemKindValues } from "./api-schema";
/** What an audit entry can be about ("" is a failed login, which names no account). */
export const AUDIT_ENTITIES = auditOutEntityValues.filter((e) => e !== "");
/** Whether a code (a queue type, a route parameter) is a record kind. */
export const isRecordKind = (v: string): v is RecordKind => (queueItemKindValues as readonly string[]).includes(v);

/** A rectification (整改) or follow-up task, as GET /tasks lists it. */
export type Task = Schemas["TaskOut"];
export type TaskStatus = Task["status"];
export type TaskDetail = Schemas["TaskDetailOut"];
export type TaskFixIn = Schemas["TaskFixIn"];
export type DeskCounts = Schemas["DeskCounts"];

/** A failed call: status 0 means the network (offline, dropped, timed out). `code` is the
 * server's stable error code (errors.ts says it in the user's language; `detail` is English).
 * `retryAfterMs`: the server's Retry-After (an overloaded or throttling server says when to come back). */
export class ApiError extends Error {
  /** The rule a value broke (too_short, phone_format, position_swapped, ...) and its number, when the server names one. */
  rule?: string;
  limit?: number;
  /** A refused batch approval's records (POST /reviews/batch). */
  refused?: Refused[];
  constructor(
    public status: number,
    public detail: string,
    public field?: string,
    public code?: string,
    public retryAfterMs?: number,
  ) {
    super(detail);
  }
}

/** An ApiError from an error body, with the rule it names. */
function apiError(
  status: number,
  body: {
    detail?: unknown;
    message?: unknown;
    field?: string;
    code?: unknown;
    rule?: unknown;
    limit?: unknown;
    refused?: unknown;
  },
  fallback: string,
  retryAfter: string | null,
): ApiError {
  const detail = body.detail || body.message || fallback || `HTTP ${status}`;
  const e = new ApiError(
    status,
    typeof detail === "string" ? detail : JSON.stringify(detail),
    body.field,
    typeof body.code === "string" ? body.code : undefined,
    parseRetryAfter(retryAfter),
  );
  if (typeof body.rule === "string") e.rule = body.rule;
  if (typeof body.limit === "number") e.limit = body.limit;
  if (Array.isArray(body.refused)) e.refused = body.refused as Refused[];
  return e;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The bearer token of the signed-in user, set by session.ts. */
export const token = value<string | null>(null);
export const BASE = "/api/v1";

export async function request<R>(
  method: string,
  path: string,
  init: {
    json?: unknown;
    body?: BodyInit;
    contentType?: string;
    query?: Record<string, string | number | undefined | null>;
    signal?: AbortSignal;
  } = {},
): Promise<{ status: number; data: R }> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const t = token.get();
  if (t) headers.Authorization = `Bearer ${t}`;
  let body = init.body;
  if (init.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(init.json);
  } else if (init.contentType) headers["Content-Type"] = init.contentType;
  let url = BASE + path;
  if (init.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(init.query)) if (v != null && v !== "") q.set(k, String(v));
    const s = q.toString();
    if (s) url += (url.includes("?") ? "&" : "?") + s;
  }
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body, signal: init.signal, cache: "no-store" });
  } catch (e) {
    throw new ApiError(0, e instanceof Error ? e.message : String(e));
  }
  const text = await res.text().catch(() => "");
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    throw apiError(
      res.status,
      (data && typeof data === "object" ? data : {}) as Record<string, never>,
      res.statusText,
      res.headers.get("Retry-After"),
    );
  }
  return { status: res.status, data: data as R };
}

/** Bytes of the upload under way (the outbox screen shows it); null when none is. */
export const uploadProgress = value<{ id: string; sent: number; total: number } | null>(null);

/**
 * A PUT of bytes that reports how many have gone: fetch cannot tell upload progress, so this is
 * XMLHttpRequest, with the same answers and errors as request().
 */
function putWithProgress<R>(
  path: string,
  id: string,
  body: Blob,
  contentType: string,
  query: Record<string, string>,
  signal?: AbortSignal,
): Promise<{ status: number; data: R }> {
  const q = new URLSearchParams(query).toString();
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", BASE + path + (q ? `?${q}` : ""));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Content-Type", contentType);
    const t = token.get();
    if (t) xhr.setRequestHeader("Authorization", `Bearer ${t}`);
    const done = () => {
      if (uploadProgress.get()?.id === id) uploadProgress.set(null);
    };
    uploadProgress.set({ id, sent: 0, total: body.size });
    xhr.upload.onprogress = (e) =>
      uploadProgress.set({ id, sent: e.loaded, total: e.lengthComputable ? e.total : body.size });
    const fail = (why: string) => {
      done();
      reject(new ApiError(0, why));
    };
    xhr.onerror = () => fail("network error");
    xhr.onabort = () => fail("aborted");
    xhr.ontimeout = () => fail("timeout");
    xhr.onload = () => {
      done();
      let data: unknown = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = xhr.responseText;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve({ status: xhr.status, data: data as R });
      reject(
        apiError(
          xhr.status,
          (data && typeof data === "object" ? data : {}) as Record<string, never>,
          xhr.statusText,
          xhr.getResponseHeader("Retry-After"),
        ),
      );
    };
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(body);
  });
}

const get = async <R>(path: string, query?: Record<string, string | number | undefined | null>) =>
  (await request<R>("GET", path, { query })).data;

/** Every page of a list endpoint, following next_cursor. */
export async function getAll<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await get<Page<T>>(path, { ...query, limit: 200, cursor });
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

export const api = {
  login: async (username: string, password: string) =>
    (await request<LoginOut>("POST", "/auth/login", { json: { username, password } })).data,
  logout: async () => {
    await request<null>("POST", "/auth/logout");
  },
  me: () => get<User>("/me"),
  evidenceRules: () => get<EvidenceRules>("/settings/evidence"),
  orgUnits: () => get<OrgUnit[] | Page<OrgUnit>>("/org-units"),
  facilities: () => getAll<Facility>("/facilities"),
  subjects: () => getAll<Subject>("/subjects"),
  patrols: (query: Record<string, string>) => get<Page<PatrolOut>>("/patrols", { limit: 100, ...query }),
  visits: (query: Record<string, string>) => get<Page<VisitOut>>("/visits", { limit: 100, ...query }),
  inspections: (query: Record<string, string>) => get<Page<InspectionOut>>("/inspections", { limit: 100, ...query }),
  patrol: (id: string) => get<PatrolOut>(`/patrols/${id}`),
  inspection: (id: string) => get<InspectionOut>(`/inspections/${id}`),
  visit: (id: string) => get<VisitOut>(`/visits/${id}`),
  putRecord: (kind: RecordKind, id: string, body: unknown, signal?: AbortSignal) =>
    request<unknown>("PUT", `/${kind}s/${id}`, { json: body, signal }),
  putPhoto: (id: string, blob: Blob, contentType: string, query: Record<string, string>, signal?: AbortSignal) =>
    typeof XMLHttpRequest === "undefined"
      ? request<PhotoOut>("PUT", `/photos/${id}`, { body: blob, contentType, query, signal })
      : putWithProgress<PhotoOut>(`/photos/${id}`, id, blob, contentType, query, signal),
  /** Open tasks assigned to this user (a field worker sees only those anyway). */
  myOpenTasks: (userId: string) => getAll<Task>("/tasks", { status: "open", assignee_id: userId }),
  task: (id: string) => get<TaskDetail>(`/tasks/${id}`),
  fixTask: (taskId: string, body: unknown, signal?: AbortSignal) =>
    request<TaskDetail>("POST", `/tasks/${taskId}/fix`, { json: body, signal }),
  review: (kind: RecordKind, id: string, decision: Review["decision"], comment: string) =>
    request<RecordOut>("POST", `/${kind}s/${id}/review`, { json: { decision, comment } satisfies Schemas["ReviewIn"] }),
  thumbUrl: (photoId: string) => `${BASE}/photos/${photoId}/thumb`,
  /** Today's due facilities and people in the caller's scope, nearest first with `near`. */
  myDue: (near?: Point) =>
    get<DueOut>("/me/due", { near: near ? `${near.lat.toFixed(6)},${near.lon.toFixed(6)}` : undefined }),
};

/** GET /me/due (api-v1.md "Base map and today's route"); campaign items will join with their own kind. */
export type DueItem = Schemas["DueItem"];
export type DueOut = Schemas["DueOut"];
