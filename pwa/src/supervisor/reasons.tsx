// The ready-made return reasons (admin): each in Chinese and English, in the order the reviewer
// sees them; saved as a whole list, audited by the server.
import { useState } from "preact/hooks";
import { request, type ReturnReason } from "../api";
import { useLang } from "../i18n";
import { Failed, errText, get, useLoad } from "./common";
import { t } from "./i18n";

type Reason = ReturnReason;

export function ReturnReasons() {
  useLang();
  const [loaded, error, reload] = useLoad(() => get<Reason[]>("/return-reasons"), []);
  const [rows, setRows] = useState<Reason[] | null>(null);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  if (error) return <Failed error={error} retry={reload} />;
  if (!loaded) return <p>{t("loading")}</p>;
  const list = rows ?? loaded;
  const edit = (n: number, lang: "zh" | "en", value: string) =>
    setRows(list.map((r, i) => (i === n ? { ...r, text: { ...r.text, [lang]: value } } : r)));
  const move = (n: number, by: number) => {
    const next = [...list];
    [next[n], next[n + by]] = [next[n + by], next[n]];
    setRows(next);
  };
  const add = () => {
    const used = new Set(list.map((r) => r.code));
    let n = list.length + 1;
    while (used.has(`reason_${n}`)) n += 1;
    setRows([...list, { code: `reason_${n}`, text: { zh: "", en: "" } }]);
  };
  const save = async () => {
    setBusy(true);
    setMsg(null);
    try {
      await request("PUT", "/return-reasons", {
        json: list.map((r) => ({
          code: r.code,
          text: { zh: r.text.zh.trim(), en: r.text.en.trim() },
        })) satisfies ReturnReason[],
      });
      setMsg({ ok: true, text: t("saved") });
      setRows(null);
      reload();
    } catch (e) {
      setMsg({ ok: false, text: errText(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section data-testid="admin-reasons">
      <p class="muted">{t("reasonsHint")}</p>
      <table class="sv-table sv-reasons-table">
        <thead>
          <tr>
            <th>{t("reasonZh")}</th>
            <th>{t("reasonEn")}</th>
            <th>
              <span class="sr-only">{t("reasonOrder")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.map((r, n) => (
            <tr data-testid="reason-row" data-code={r.code}>
              <td>
                <input
                  aria-label={`${t("reasonZh")} ${n + 1}`}
                  value={r.text.zh}
                  maxLength={200}
                  onInput={(e) => edit(n, "zh", e.currentTarget.value)}
                />
              </td>
              <td>
                <input
                  aria-label={`${t("reasonEn")} ${n + 1}`}
                  value={r.text.en}
                  maxLength={200}
                  onInput={(e) => edit(n, "en", e.currentTarget.value)}
                />
              </td>
              <td class="row">
                <button
                  type="button"
                  class="btn btn-small"
                  aria-label={`${t("reasonUp")} ${n + 1}`}
                  disabled={n === 0}
                  onClick={() => move(n, -1)}
                >
                  ↑
                </button>
                <button
                  type="button"
                  class="btn btn-small"
                  aria-label={`${t("reasonDown")} ${n + 1}`}
                  disabled={n === list.length - 1}
                  onClick={() => move(n, 1)}
                >
                  ↓
                </button>
                <button
                  type="button"
                  class="btn btn-small btn-danger"
                  data-testid="reason-remove"
                  onClick={() => setRows(list.filter((_, i) => i !== n))}
                >
                  {t("reasonRemove")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {msg && (
        <p
          class={msg.ok ? "notice ok-notice" : "notice danger"}
          role={msg.ok ? "status" : "alert"}
          data-testid="reasons-message"
        >
          {msg.text}
        </p>
      )}
      <div class="row">
        <button type="button" class="btn" data-testid="reason-add" onClick={add}>
          {t("reasonAdd")}
        </button>
        <button
          type="button"
          class="btn btn-primary"
          data-testid="reasons-save"
          disabled={busy || !rows}
          onClick={() => void save()}
        >
          {t("save")}
        </button>
        {rows && (
          <button
            type="button"
            class="btn"
            onClick={() => {
              setRows(null);
              setMsg(null);
            }}
          >
            {t("cancel")}
          </button>
        )}
      </div>
    </section>
  );
}
