#!/usr/bin/env bash
# Installs what Caravel's tests need beyond the JDK and Maven: Debian's Chromium and ChromeDriver, which the
# web UI's browser test drives headless. Safe to run repeatedly: does nothing when they are present.
caravel_setup_browser() {
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    return 0
  fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo -n"
    else
      echo "caravel: the browser test needs Debian's chromium and chromium-driver; install them as root:" >&2
      echo "         apt-get install -y chromium chromium-driver" >&2
      return 1
    fi
  fi
  echo "caravel: installing chromium and chromium-driver for the browser test (once)..." >&2
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; then
    $sudo apt-get update -q >/dev/null 2>&1 || true
    if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null; then
      echo "caravel: could not install chromium and chromium-driver (apt-get failed)" >&2
      return 1
    fi
  fi
}
