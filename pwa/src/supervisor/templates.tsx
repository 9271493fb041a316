// Checklist templates (admin): add, rename, reorder and retire items, labels in Chinese and English,
// hints. Saving makes a new version that phones pick up on their next sync; records keep the
// version they were filled with.
import { useEffect, useState } from "preact/hooks";
import { request, type ChecklistTemplate, type Schemas, type TemplateItem } from "../api";
import { defineStrings, useLang } from "../i18n";
import { refreshStationsNow } from "../session";
import type { components } from "../api-schema";
import { Failed, errText, get, useLoad, useWide } from "./common";

const t = defineStrings(
  {
    title: "检查表模板",
    version: "第 {v} 版",
    code: "代码",
    zh: "中文名称",
    en: "英文名称",
    hintZh: "中文提示",
    hintEn: "英文提示",
    add: "添加项目",
    up: "上移",
    down: "下移",
    retire: "停用",
    save: "保存为新版本",
    saved: "已保存为第 {v} 版",
    codeRule: "代码用小写字母、数字和下划线，保存后不可更改",
    patrol: "巡查",
    inspection: "督导",
  },
  {
    title: "Checklist templates",
    version: "version {v}",
    code: "Code",
    zh: "Chinese label",
    en: "English label",
    hintZh: "Chinese hint",
    hintEn: "English hint",
    add: "Add item",
    up: "Up",
    down: "Down",
    retire: "Retire",
    save: "Save as a new version",
    saved: "Saved as version {v}",
    codeRule: "Codes: lower-case letters, digits and _; they cannot change once saved",
    patrol: "Patrol",
    inspection: "Inspection",
  },
);

export default function Templates() {
  useLang();
  useWide();
  const [list, error, reload] = useLoad(() => get<components["schemas"]["TemplatePage"]>("/checklist-templates"), []);
  const [key, setKey] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null); // kept here: the editor remounts on the new version
  const templates = [...(list?.items ?? [])].sort((a, b) => rank(a) - rank(b));
  const current = templates.find((x) => x.key === key) ?? templates[0];
  return (
    <div class="sv" data-testid="templates">
      <div class="screen-title">
        <h1 class="grow">{t("title")}</h1>
      </div>
      {error && <Failed error={error} retry={reload} />}
      <div class="row">
        {templates.map((x) => (
          <button
            class={`btn${x.key === current?.key ? " btn-primary" : ""}`}
            data-testid="template-tab"
            data-key={x.key}
            onClick={() => setKey(x.key)}
          >
            {x.name}
          </button>
        ))}
      </div>
      {message && (
        <p class="notice ok-notice" role="status" data-testid="template-saved">
          {message}
        </p>
      )}
      {current && (
        <Editor
          template={current}
          key={current.id}
          onSaved={(v) => {
            setMessage(t("saved", { v }));
            reload();
          }}
        />
      )}
    </div>
  );
}

/** The daily patrol first, then the standards from the street down to the community. */
function rank(template: ChecklistTemplate): number {
  if (template.kind === "patrol") return 0;
  return template.applies_to.standard === "four_haves" ? 2 : 1;
}

function Editor({ template, onSaved }: { template: ChecklistTemplate; onSaved: (version: number) => void }) {
  const [items, setItems] = useState<TemplateItem[]>(template.items);
  const [error, setError] = useState<string | null>(null);
  const saved = new Set(template.items.map((i) => i.code));
  useEffect(() => setItems(template.items), [template.id]);
  const edit = (n: number, change: (i: TemplateItem) => TemplateItem) =>
    setItems((all) => all.map((i, k) => (k === n ? change(i) : i)));
  const move = (n: number, by: number) =>
    setItems((all) => {
      const next = [...all];
      const [it] = next.splice(n, 1);
      next.splice(Math.max(0, Math.min(next.length, n + by)), 0, it);
      return next;
    });
  const save = async () => {
    try {
      const out = await request<ChecklistTemplate>("PUT", `/checklist-templates/${template.key}`, {
        json: { items } satisfies Schemas["TemplateVersionIn"],
      });
      setError(null);
      void refreshStationsNow().catch(() => undefined);
      onSaved(out.data.version);
    } catch (e) {
      setError(errText(e));
    }
  };
  const COLUMN = { code: "code", zh: "zh", en: "en", "hint-zh": "hintZh", "hint-en": "hintEn" } as const;
  const field = (n: number, value: string, set: (v: string) => TemplateItem, testid: string, disabled = false) => {
    const column = COLUMN[testid.slice("item-".length, testid.lastIndexOf("-")) as keyof typeof COLUMN];
    return (
      <input
        type="text"
        value={value}
        disabled={disabled}
        data-testid={testid}
        aria-label={`${t(column)} · ${n + 1}`}
        onInput={(e) => {
          const v = e.currentTarget.value;
          edit(n, () => set(v));
        }}
      />
    );
  };
  return (
    <section data-testid="template-editor" data-key={template.key}>
      <h2>
        {template.name} · {t(template.kind)} · {t("version", { v: template.version })}
      </h2>
      <p class="small muted">{t("codeRule")}</p>
      <table class="sv-table">
        <thead>
          <tr>
            <th>{t("code")}</th>
            <th>{t("zh")}</th>
            <th>{t("en")}</th>
            <th>{t("hintZh")}</th>
            <th>{t("hintEn")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {items.map((i, n) => (
            <tr data-testid="template-item" data-code={i.code}>
              <td>{field(n, i.code, (v) => ({ ...i, code: v }), `item-code-${n}`, saved.has(i.code))}</td>
              <td>{field(n, i.label.zh, (v) => ({ ...i, label: { ...i.label, zh: v } }), `item-zh-${n}`)}</td>
              <td>{field(n, i.label.en, (v) => ({ ...i, label: { ...i.label, en: v } }), `item-en-${n}`)}</td>
              <td>{field(n, i.hint.zh, (v) => ({ ...i, hint: { ...i.hint, zh: v } }), `item-hint-zh-${n}`)}</td>
              <td>{field(n, i.hint.en, (v) => ({ ...i, hint: { ...i.hint, en: v } }), `item-hint-en-${n}`)}</td>
              <td class="row">
                <button class="btn btn-small" disabled={n === 0} onClick={() => move(n, -1)}>
                  {t("up")}
                </button>
                <button class="btn btn-small" disabled={n === items.length - 1} onClick={() => move(n, 1)}>
                  {t("down")}
                </button>
                <button
                  class="btn btn-small btn-danger"
                  data-testid={`item-retire-${n}`}
                  onClick={() => setItems((all) => all.filter((_, k) => k !== n))}
                >
                  {t("retire")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="row">
        <button
          class="btn"
          data-testid="item-add"
          onClick={() => setItems((all) => [...all, { code: "", label: { zh: "", en: "" }, hint: { zh: "", en: "" } }])}
        >
          {t("add")}
        </button>
        <button class="btn btn-primary" data-testid="template-save" onClick={() => void save()}>
          {t("save")}
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
