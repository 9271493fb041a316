/// <reference lib="webworker" />
// Resizes one photo off the main thread: decode (upright, following EXIF Orientation), scale so
// the long side is `maxSide`, encode JPEG. Replies {blob, width, height} or {error}.
const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = async (event: MessageEvent<{ blob: Blob; maxSide: number; quality: number }>) => {
  const { blob, maxSide, quality } = event.data;
  try {
    const bitmap = await createImageBitmap(blob, { imageOrientation: "from-image" });
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    const width = Math.round(bitmap.width * scale);
    const height = Math.round(bitmap.height * scale);
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext("2d")!;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(bitmap, 0, 0, width, height);
    bitmap.close();
    const out = await canvas.convertToBlob({ type: "image/jpeg", quality });
    scope.postMessage({ blob: out, width, height });
  } catch (e) {
    scope.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
};
