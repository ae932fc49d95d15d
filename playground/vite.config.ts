import { defineConfig } from "vite";

// The playground page, built into playground/dist, which the Worker serves at / as static assets.
export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  logLevel: "warn",
});
