// The outbox: what is waiting, sending, sent, and failed with the reason in the user's language;
// retry and discard (after asking) for what did not go, only discard for what can never go.
import { useEffect, useState } from "preact/hooks";
import { VISIT_TYPES, uploadProgress } from "../api";
import { formatBytes, formatTime, useLang } from "../i18n";
import * as outbox from "../outbox";
import type { OutboxItem } from "../outbox";
import { session } from "../session";
import { useValue } from "../store";
import { cannotSucceed, describeError } from "../errors";
import { sayItems } from "../pending-text";
import { syncStatus } from "../sync";
import { t, tk } from "./i18n";

export default function OutboxScreen() {
  useLang();
  const version = useValue(outbox.outboxVersion);
  const status = useValue(syncStatus);
  const [items, setItems] = useState<OutboxItem[] | null>(null);
  useEffect(() => {
    void outbox.list(session.get()?.user.id).then(setItems);
  }, [version]);
  const discard = async (item: OutboxItem) => {
    if (!confirm(item.kind === "photo" ? t("discardConfirm") : t("discardRecordConfirm"))) return;
    await outbox.discard(item.id);
  };
  const open = items?.filter((i) => i.state !== "sent") ?? [];
  const sent = items?.filter((i) => i.state === "sent") ?? [];
  return (
    <div data-testid="outbox-screen">
      <div class="row" style="justify-content:space-between;margin-bottom:8px">
        <h1 style="margin:0">{t("outboxTitle")}</h1>
        <button
          type="button"
          class="btn btn-small"
          data-testid="sync-now"
          disabled={status.running}
          onClick={() => window.dispatchEvent(new Event("xunfang-sync"))}
        >
          {t("syncNow")}
        </button>
      </div>
      {items && !open.length && <p>{t("outboxEmpty")}</p>}
      <Progress open={open} />
      <ul class="list">
        {open.map((i) => (
          <Row key={i.id} item={i} onRetry={() => void outbox.retry(i.id)} onDiscard={() => void discard(i)} />
        ))}
      </ul>
      {sent.length > 0 && <h2>{t("st_sent")}</h2>}
      <ul class="list">
        {sent.slice(0, 30).map((i) => (
          <Row key={i.id} item={i} />
        ))}
      </ul>
    </div>
  );
}

/** What is being sent now and how much is left (the bytes of the photos still to go). */
function Progress({ open }: { open: OutboxItem[] }) {
  const live = useValue(uploadProgress);
  const left = open.filter((i) => i.state !== "failed");
  if (!left.length) return null;
  const now = left.find((i) => i.state === "sending");
  const moving = live && now && live.id === now.id ? live : null;
  const bytes = left.reduce((sum, i) => sum + (i.bytes ?? 0), 0) - (moving?.sent ?? 0);
  const pct = moving && moving.total ? Math.round((100 * moving.sent) / moving.total) : null;
  return (
    <div class="card progress" data-testid="outbox-progress">
      {now && (
        <div>
          <strong>{t("sendingNow", { label: relabel(now.label) })}</strong>
        </div>
      )}
      {moving && pct !== null && (
        <div class="row" style="flex-wrap:nowrap">
          <progress max={100} value={pct} aria-label={t("sendingNow", { label: relabel(now!.label) })} style="flex:1" />
          <span class="small" data-testid="upload-percent">
            {pct}% · {t("sendingBytes", { done: formatBytes(moving.sent), total: formatBytes(moving.total) })}
          </span>
        </div>
      )}
      <div class="small">
        {bytes > 0
          ? t("leftToSend", { what: sayItems(left), size: formatBytes(bytes) })
          : t("leftToSendNoBytes", { what: sayItems(left) })}
      </div>
    </div>
  );
}

/** Labels are stored in the language of the moment they were saved: say their words in today's. */
const WORDS = [
  "kind_patrol",
  "kind_visit",
  "kind_photo",
  "kind_taskfix",
  "kind_weekly",
  ...VISIT_TYPES.map((v) => `vt_${v}`),
  "item_cleanliness",
  "item_greenery",
  "item_structure",
  "item_safety",
  "item_signage",
  "item_visitor_order",
  "item_surveillance",
  "followUpTask",
];
const SAID: Record<string, string> = {
  巡查: "kind_patrol",
  Patrol: "kind_patrol",
  走访: "kind_visit",
  Visit: "kind_visit",
  照片: "kind_photo",
  Photo: "kind_photo",
  整改: "kind_taskfix",
  Fix: "kind_taskfix",
  周报: "kind_weekly",
};
export function relabel(label: string): string {
  return label
    .split(" · ")
    .map((part) => {
      const m = /^(\S+)( \d+)?$/.exec(part);
      const key = m && (SAID[m[1]] ?? WORDS.find((k) => tk(k) === m[1]));
      return key && m ? tk(key) + (m[2] ?? "") : part;
    })
    .join(" · ");
}

function Row({
  item,
  onRetry,
  onDiscard,
}: {
  item: OutboxItem;
  onRetry?: () => void;
  onDiscard?: () => void;
  key?: string;
}) {
  const backingOff = item.state === "waiting" && item.nextAttemptAt > Date.now();
  // Trying again cannot help a file that is not an image (415), too large or gone: only discard.
  const hopeless = item.state === "failed" && !!item.lastError && cannotSucceed(item.lastError);
  return (
    <li
      class="card"
      data-testid="outbox-item"
      data-id={item.id}
      data-kind={item.kind}
      data-state={item.state}
      style="margin:0"
    >
      <div class="row" style="justify-content:space-between;flex-wrap:nowrap">
        <div style="min-width:0">
          <strong class="outbox-label">{relabel(item.label)}</strong>
          <div class="small muted">
            {tk(`kind_${item.kind}`)} · {formatTime(item.createdAt)}
            {item.bytes ? ` · ${formatBytes(item.bytes)}` : ""}
          </div>
        </div>
        <span class={`badge ${item.state}`}>{tk(`st_${item.state}`)}</span>
      </div>
      {item.lastError && item.state !== "sent" && (
        <p class={item.state === "failed" ? "error" : "small"} style="margin:6px 0 0" data-testid="outbox-error">
          {item.lastError === "network" ? t("networkError") : describeError(item.lastError)}
          {hopeless && (
            <>
              <br />
              {t("cannotUpload")}
            </>
          )}
          {backingOff ? ` · ${t("retryAt", { at: formatTime(item.nextAttemptAt) })}` : ""}
        </p>
      )}
      {(item.state === "failed" || backingOff) && onRetry && (
        <div class="row" style="margin-top:8px">
          {!hopeless && (
            <button type="button" class="btn btn-small" data-testid="outbox-retry" onClick={onRetry}>
              {t("retry")}
            </button>
          )}
          {item.state === "failed" && (
            <button type="button" class="btn btn-small btn-danger" data-testid="outbox-discard" onClick={onDiscard}>
              {t("discard")}
            </button>
          )}
        </div>
      )}
    </li>
  );
}
