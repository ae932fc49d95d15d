export { parsePreviewHost, previewOrigin, type PreviewTarget } from "./host";
export { buildErrorPage } from "./error-page";
export { loadPreview, servePreview, type LoadedPreview } from "./serve";
