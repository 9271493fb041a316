// What went wrong, said to a person in their language. The server's error bodies carry a stable
// `code` (api/errors.py) beside an English `detail` meant for developers; every screen shows
// describeError(e) instead, so no server English, code or id reaches a person.
import { ApiError } from "./api";
import { defineStrings } from "./i18n";

const t = defineStrings(
  {
    network: "连不上服务器：请检查网络，联网后再试",
    timeout: "服务器太久没有回应：请稍后再试",
    not_authenticated: "登录已过期，请重新登录",
    forbidden: "您没有权限做这件事",
    not_found: "找不到这项内容：可能已被删除，或不在您的管辖范围内",
    conflict: "这项内容已被他人修改或已审核，不能再改：请刷新后再看",
    invalid: "有内容不符合规则{field}：请检查后再试",
    bad_input: "有内容格式不对{field}：请检查后再试",
    not_an_image: "这个文件不是照片，或已损坏：无法上传",
    too_large: "文件太大：无法上传",
    photo_missing: "照片文件已不在本机：无法上传",
    too_many_requests: "操作太频繁：请稍后再试",
    unavailable: "服务器暂时出了问题：请稍后再试",
    unknown: "出了点问题：请稍后再试",
    field: "（{name}）",
    f_facility_id: "设施",
    f_subject_id: "走访对象",
    f_location: "位置",
    f_photo_ids: "照片",
    f_checklist: "检查项目",
    f_started_at: "时间",
    f_ended_at: "时间",
    f_visited_at: "时间",
    f_summary: "走访情况",
    f_no_photo_reason: "未拍照原因",
    f_assistance: "慰问金或慰问品",
    f_note: "说明",
    f_record_id: "所属记录",
  },
  {
    network: "Cannot reach the server: check the connection and try again",
    timeout: "The server took too long to answer: try again later",
    not_authenticated: "Your login has expired: please log in again",
    forbidden: "You are not allowed to do this",
    not_found: "Not found: it may have been deleted, or it is outside your area",
    conflict: "Someone changed or reviewed this already, so it cannot be changed: refresh and look again",
    invalid: "Something breaks a rule{field}: check it and try again",
    bad_input: "Something is in the wrong format{field}: check it and try again",
    not_an_image: "This file is not a photo, or it is damaged: it cannot be uploaded",
    too_large: "The file is too large to upload",
    photo_missing: "The photo file is no longer on this phone: it cannot be uploaded",
    too_many_requests: "Too many requests: try again shortly",
    unavailable: "The server has a problem right now: try again later",
    unknown: "Something went wrong: try again later",
    field: " ({name})",
    f_facility_id: "facility",
    f_subject_id: "person",
    f_location: "position",
    f_photo_ids: "photos",
    f_checklist: "checklist",
    f_started_at: "time",
    f_ended_at: "time",
    f_visited_at: "time",
    f_summary: "what happened",
    f_no_photo_reason: "reason for no photo",
    f_assistance: "cash or goods",
    f_note: "note",
    f_record_id: "record",
  },
);

type Key = Parameters<typeof t>[0];
const BY_STATUS: Record<number, Key> = {
  400: "bad_input",
  401: "not_authenticated",
  403: "forbidden",
  404: "not_found",
  408: "timeout",
  409: "conflict",
  410: "photo_missing",
  413: "too_large",
  415: "not_an_image",
  422: "invalid",
  429: "too_many_requests",
};
const KNOWN = new Set<string>([
  "network",
  "timeout",
  "not_authenticated",
  "forbidden",
  "not_found",
  "conflict",
  "invalid",
  "bad_input",
  "not_an_image",
  "too_large",
  "photo_missing",
  "too_many_requests",
  "unavailable",
]);
/** Codes said in the words of a general one (the desk says some of them more precisely). */
export const SAID_AS: Record<string, Key> = {
  database_unavailable: "unavailable",
  storage_unavailable: "unavailable",
  server_error: "unavailable",
  busy: "unavailable",
  not_allowed: "unknown",
  duplicate: "conflict",
  client_error: "unknown",
};
/** Whether this module has words of its own for a code (tests/vocabulary.test.ts). */
export const says = (code: string): boolean => KNOWN.has(code) || code in SAID_AS;
/** Statuses an upload can never get past by trying again: only discarding helps. */
const HOPELESS = new Set([410, 413, 415]);

/** The facts of an error that are kept (e.g. in the outbox) and said later: status, code, field. */
export interface ErrorFacts {
  status: number;
  code: string;
  field: string;
}

export function errorFacts(e: unknown): ErrorFacts {
  if (e instanceof ApiError) {
    const timeout = e.status === 0 && /abort|timeout/i.test(e.detail);
    return {
      status: e.status,
      code: e.code ?? (timeout ? "timeout" : e.status === 0 ? "network" : ""),
      field: e.field ?? "",
    };
  }
  if (typeof e === "string") {
    if (e === "network") return { status: 0, code: "network", field: "" };
    const m = /^(\d{3}):([a-z_]*):(.*)$/.exec(e); // as errorKey wrote it
    if (m) return { status: Number(m[1]), code: m[2], field: m[3] };
    return { status: -1, code: "", field: "" }; // a sentence stored by an older version: not shown
  }
  if (e instanceof DOMException && (e.name === "AbortError" || e.name === "TimeoutError"))
    return { status: 0, code: "timeout", field: "" };
  if (e instanceof TypeError && /fetch|network|load/i.test(e.message)) return { status: 0, code: "network", field: "" };
  return { status: -1, code: "", field: "" };
}

/** A short string that keeps an error's facts (for the outbox); describeError reads it back. */
export function errorKey(e: unknown): string {
  const f = errorFacts(e);
  return f.code === "network" ? "network" : `${f.status >= 0 ? f.status : 0}:${f.code}:${f.field}`;
}

/** Any API, network or program error (or an errorKey string) as a sentence in the user's language. */
export function describeError(e: unknown): string {
  const f = errorFacts(e);
  const key: Key = KNOWN.has(f.code)
    ? (f.code as Key)
    : f.code in SAID_AS
      ? SAID_AS[f.code]
      : f.status === 0
        ? "network"
        : (BY_STATUS[f.status] ?? (f.status >= 500 ? "unavailable" : "unknown"));
  const top = f.field.split(/[.[]/)[0];
  const name = top ? t(`f_${top}` as Key) : "";
  return t(key, { field: name && name !== `f_${top}` ? t("field", { name }) : "" });
}

/** True when trying again cannot help (the file is not an image, too large, or gone). */
export function cannotSucceed(e: unknown): boolean {
  const f = errorFacts(e);
  return HOPELESS.has(f.status) || f.code === "not_an_image" || f.code === "too_large" || f.code === "photo_missing";
}
