#!/usr/bin/env bash
# Installs what Caravel's tests need beyond the JDK and Maven: Debian's Chromium and ChromeDriver, which the
# web UI's browser test drives headless, and a small CJK font so its screenshots show Chinese text rather than
# boxes. Safe to run repeatedly: does nothing when they are present.
caravel_setup_browser() {
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 \
      && [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
    return 0
  fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo -n"
    else
      echo "caravel: the browser test needs Debian's chromium and chromium-driver; install them as root:" >&2
      echo "         apt-get install -y chromium chromium-driver fonts-wqy-microhei" >&2
      return 1
    fi
  fi
  echo "caravel: installing chromium, chromium-driver and a CJK font for the browser test (once)..." >&2
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver fonts-wqy-microhei >/dev/null 2>&1; then
    $sudo apt-get update -q >/dev/null 2>&1 || true
    if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver fonts-wqy-microhei >/dev/null; then
      echo "caravel: could not install chromium, chromium-driver and fonts-wqy-microhei (apt-get failed)" >&2
      return 1
    fi
  fi
}
