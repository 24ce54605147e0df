#!/usr/bin/env bash
# Opens a run's report.html (or any Arbor HTML page) in headless Chromium, as a person's browser would, and checks that
# every image decoded (naturalWidth > 0) and nothing was fetched from elsewhere; writes a full-page screenshot to look at.
# Usage: scripts/check-report-in-browser.sh RUN_DIR|PAGE.html [SCREENSHOT.png]   (needs: apt-get install chromium)
# Exit 0 when the page loads with all images, 1 when an image is broken, 2 on a usage problem.
set -euo pipefail
target="${1:?usage: $0 RUN_DIR|PAGE.html [SCREENSHOT.png]}"
page="$target"; [[ -d "$target" ]] && page="$target/report.html"
[[ -f "$page" ]] || { echo "error: $page not found (run \`arbor report --run DIR\` first)" >&2; exit 2; }
shot="${2:-${page%.html}.png}"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[[ -n "$browser" ]] || { echo "error: no chromium found; apt-get install chromium" >&2; exit 2; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-extensions --disable-sync
       --no-first-run --mute-audio --hide-scrollbars --user-data-dir="$work/profile" --virtual-time-budget=5000)

# A copy of the page with a probe appended: it counts images that decoded and records it in the DOM, which we dump.
# The report itself stays script-free.
cp "$page" "$work/page.html"
cat >> "$work/page.html" <<'PROBE'
<script>
window.addEventListener('load', () => {
  const imgs = [...document.images];
  const ok = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
  const external = [...document.querySelectorAll('[src],[href]')].map(e => e.getAttribute('src') || e.getAttribute('href'))
    .filter(u => !u.startsWith('data:') && !u.startsWith('#')).length;
  document.body.setAttribute('data-probe', `images ${ok}/${imgs.length} external ${external} width ${document.body.scrollWidth} height ${document.body.scrollHeight}`);
});
</script>
PROBE
probe="$("$browser" "${flags[@]}" --dump-dom "file://$work/page.html" 2>/dev/null | grep -o 'data-probe="[^"]*"' | head -1 || true)"
[[ -n "$probe" ]] || { echo "error: chromium did not render $page" >&2; exit 1; }
echo "$page: ${probe#data-probe=}"
height="$(sed -E 's/.*height ([0-9]+).*/\1/' <<<"$probe")"
"$browser" "${flags[@]}" --window-size=1280,"$(( height > 16000 ? 16000 : height + 40 ))" --screenshot="$shot" "file://$(realpath "$page")" >/dev/null 2>&1
echo "screenshot: $shot"
read -r ok total <<<"$(sed -E 's/.*images ([0-9]+)\/([0-9]+).*/\1 \2/' <<<"$probe")"
external="$(sed -E 's/.*external ([0-9]+).*/\1/' <<<"$probe")"
[[ "$ok" == "$total" && "$total" -gt 0 && "$external" == 0 ]] || { echo "error: $((total - ok)) of $total images broken, $external external references" >&2; exit 1; }
