// The on-site warnings above a form's save button (src/onsite.ts): each says what the reviewer will
// see flagged and offers the fix (locate again, retake or remove the photo, take one). Never a block.
import { useEffect, useState } from "preact/hooks";
import type { Fix } from "../api";
import {
  evidenceRules,
  onSiteWarnings,
  photoFacts,
  refreshEvidenceRules,
  type PhotoFacts,
  type Site,
  type Warning,
} from "../onsite";
import { useValue } from "../store";
import { formatDistance } from "../util";
import { ft } from "../ui/i18n";
import { CameraButton, type DraftPhoto } from "../ui/form-parts";

export interface WarningsProps {
  site: Site | null;
  position: { fix: Fix | null; locating: boolean; locate: () => void };
  photos: DraftPhoto[]; // taken on this form (photos already on the server were checked when they arrived)
  numberFrom: number; // how many photos the record lists before these ("photo 3" is the third)
  start: string; // the record's start (its visit time for a visit)
  needsPhoto: boolean;
  issuesWithoutPhoto: { code: string; label: string }[];
  onRemove: (key: string) => void;
  onAdd: (files: File[], fix: Promise<Fix | null>, item?: string) => void;
}

const gapText = (ms: number) =>
  ms >= 48 * 3600_000 ? ft("days", { n: Math.round(ms / 86400_000) }) : ft("hours", { n: (ms / 3600_000).toFixed(1) });

export function OnSiteWarnings(p: WarningsProps) {
  const rules = useValue(evidenceRules);
  const [facts, setFacts] = useState<PhotoFacts[]>([]);
  useEffect(() => {
    if (!rules) void refreshEvidenceRules().catch(() => undefined);
  }, []);
  const ready = p.photos.filter((x) => x.state === "ready" && x.photo);
  const ids = ready.map((x) => x.photo!.id).join();
  useEffect(() => {
    let live = true;
    void Promise.all(ready.map((x, i) => photoFacts(x.photo!, x.key, p.numberFrom + i + 1, rules))).then(
      (f) => live && setFacts(f),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [ids, rules, p.numberFrom]);
  const shown = facts.filter((f) => ready.some((x) => x.key === f.key));
  const list = onSiteWarnings({
    rules,
    site: p.site,
    fix: p.position.fix,
    photos: shown,
    start: new Date(p.start),
    end: new Date(),
    needsPhoto: p.needsPhoto && !ready.length,
    issuesWithoutPhoto: p.issuesWithoutPhoto.map((i) => i.code),
  });
  if (!list.length) return null;
  const noun = p.site
    ? ft(p.site.noun === "facility" ? "siteFacility" : p.site.noun === "home" ? "siteHome" : "siteStation")
    : "";
  const relocate = (
    <button
      type="button"
      class="btn btn-small"
      data-testid="warning-relocate"
      disabled={p.position.locating}
      onClick={p.position.locate}
    >
      {p.position.locating ? "…" : ft("relocate")}
    </button>
  );
  const line = (w: Warning) => {
    switch (w.code) {
      case "no_position":
        return { text: ft("warnNoPosition"), fix: relocate };
      case "low_accuracy":
        return {
          text: ft("warnLowAccuracy", { a: formatDistance(w.accuracy), limit: formatDistance(w.limit) }),
          fix: relocate,
        };
      case "far":
        return {
          text: ft("warnFar", {
            site: noun,
            d: formatDistance(w.distance),
            g: formatDistance(w.geofence),
            a: formatDistance(w.accuracy),
          }),
          fix: relocate,
        };
      case "far_photo":
        return {
          text: ft("warnFarPhoto", { site: noun, d: formatDistance(w.distance), g: formatDistance(w.geofence) }),
          fix: null,
        };
      case "photo_time":
        return { text: ft("warnPhotoTime", { gap: gapText(w.gapMs) }), fix: null };
      case "no_photo":
        return {
          text: ft("warnNoPhoto"),
          fix: (
            <CameraButton
              small
              testid="warning-take-photo"
              label={ft("takeOne")}
              onFiles={(f, fix) => p.onAdd(f, fix)}
            />
          ),
        };
      case "issue_no_photo": {
        const item = p.issuesWithoutPhoto.find((i) => i.code === w.item);
        return {
          text: ft("warnIssueNoPhoto", { item: item?.label ?? w.item }),
          fix: (
            <CameraButton
              small
              testid={`warning-photo-${w.item}`}
              label={ft("takeOne")}
              onFiles={(f, fix) => p.onAdd(f, fix, w.item)}
            />
          ),
        };
      }
    }
  };
  // A photo's problems share one line and one pair of fixes (retake, remove).
  const perPhoto = new Map<string, { n: number; codes: string[]; texts: string[] }>();
  const rest: Warning[] = [];
  for (const w of list) {
    if (w.code !== "far_photo" && w.code !== "photo_time") {
      rest.push(w);
      continue;
    }
    const entry = perPhoto.get(w.key) ?? { n: w.n, codes: [], texts: [] };
    entry.codes.push(w.code);
    entry.texts.push(line(w).text);
    perPhoto.set(w.key, entry);
  }
  return (
    <div class="card warnings" data-testid="onsite-warnings" role="status">
      <strong>{ft("warnTitle")}</strong>
      <div class="small">{ft("warnNote")}</div>
      <ul>
        {rest.map((w) => {
          const { text, fix } = line(w);
          return (
            <li data-testid="onsite-warning" data-code={w.code}>
              <div>{text}</div>
              <div class="row">{fix}</div>
            </li>
          );
        })}
        {[...perPhoto].map(([key, e]) => (
          <li data-testid="onsite-warning" data-code={e.codes.join(" ")} data-photo={key}>
            <div>{ft("warnPhoto", { n: e.n, what: e.texts.join(ft("warnAnd")) })}</div>
            <div class="row">
              <PhotoFix {...p} photoKey={key} />
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Retake (the new photo takes the old one's place, item and all) or remove a photo. */
function PhotoFix(p: WarningsProps & { photoKey: string }) {
  const photo = p.photos.find((x) => x.key === p.photoKey);
  return (
    <>
      <CameraButton
        small
        testid="warning-retake"
        label={ft("retake")}
        onFiles={(files, fix) => {
          p.onRemove(p.photoKey);
          p.onAdd(files.slice(0, 1), fix, photo?.item);
        }}
      />
      <button type="button" class="btn btn-small" data-testid="warning-remove" onClick={() => p.onRemove(p.photoKey)}>
        {ft("removeIt")}
      </button>
    </>
  );
}
