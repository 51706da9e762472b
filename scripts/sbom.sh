#!/usr/bin/env bash
# Writes a CycloneDX SBOM of Quiver's production dependencies (what the container image ships) to
# sbom.cdx.json, or to the file given as the first argument. `npm run sbom`.
#
# Built from package-lock.json (--package-lock-only): the image installs exactly that lock file with `npm ci`,
# and the result does not depend on what happens to be in node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-sbom.cdx.json}"
tmp="$(mktemp "${out}.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
npm sbom --sbom-format cyclonedx --sbom-type application --omit dev --package-lock-only > "$tmp"
# Refuse to leave behind something that is not a CycloneDX document with components. npm names the root
# component after the directory (e.g. "main") with --package-lock-only; use the package name.
node -e '
  const fs = require("node:fs");
  const sbom = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  if (sbom.bomFormat !== "CycloneDX" || !Array.isArray(sbom.components) || sbom.components.length === 0) {
    console.error("npm sbom did not produce a CycloneDX document with components");
    process.exit(1);
  }
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  if (sbom.metadata && sbom.metadata.component) sbom.metadata.component.name = pkg.name;
  fs.writeFileSync(process.argv[1], JSON.stringify(sbom, null, 2) + "\n");
  console.error(`CycloneDX ${sbom.specVersion}: ${sbom.components.length} components`);
' "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "wrote $out" >&2
