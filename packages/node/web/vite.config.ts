import { defineConfig } from "vite";

// The node serves dist/ at / of its RPC port; everything the page needs is bundled here (no CDN).
export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
  },
});
