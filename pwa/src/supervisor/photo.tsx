// /photo/:id: a photo opened from a ledger (XLSX/CSV) link. The link carries no credential; the
// image is fetched with the signed-in user's token, so only people in scope can see it.
import { useEffect, useState } from "preact/hooks";
import { token } from "../api";
import { useLang } from "../i18n";
import type { Params } from "../router";
import { Failed, useWide } from "./common";
import { t } from "./i18n";

async function blobUrl(path: string): Promise<string> {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${token.get()}` } });
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
  return URL.createObjectURL(await res.blob());
}

export default function PhotoPage({ params }: { params: Params }) {
  useWide();
  useLang();
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [original, setOriginal] = useState(false);
  useEffect(() => {
    let url = "";
    blobUrl(`/api/v1/photos/${params.id}${original ? "" : "/review"}`).then(
      (u) => setSrc((url = u)),
      (e) => setError(String(e)),
    );
    return () => URL.revokeObjectURL(url);
  }, [params.id, original]);
  return (
    <div class="sv" data-testid="photo-page">
      <p class="row">
        <button class="btn btn-small" onClick={() => setOriginal(true)} disabled={original}>
          {t("original")}
        </button>
      </p>
      {error && <Failed error={error} />}
      {src ? <img class="sv-photo-full" src={src} alt="" /> : !error && <p>{t("loading")}</p>}
    </div>
  );
}
