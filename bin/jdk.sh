# Sourced by ./caravel and ./run-tests: finds a JDK >= 25 and exports JAVA_HOME.
# Order: $JAVA_HOME, then the usual install locations, then `java` on PATH.
# Reads each JDK's `release` file instead of starting a JVM, so the search costs milliseconds.

caravel_jdk_major() { # $1 = JDK home; prints the major version or nothing
  local rel="$1/release" v
  if [ -r "$rel" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel" | head -n 1)
  elif [ -x "$1/bin/java" ]; then
    v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
  fi
  printf '%s' "$v"
}

caravel_find_jdk() {
  local need=25 cand major
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for cand in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /opt/*jdk* \
              "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* "$HOME"/.local/share/jdk* \
              /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$cand" ] && candidates+=("$cand")
  done
  if command -v java >/dev/null 2>&1; then
    cand=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    candidates+=("$cand")
  fi
  local best="" best_major=0
  for cand in "${candidates[@]}"; do
    [ -x "$cand/bin/java" ] || continue
    major=$(caravel_jdk_major "$cand")
    [ -n "$major" ] || continue
    if [ "$major" -ge "$need" ] && [ -x "$cand/bin/javac" ]; then
      # JAVA_HOME wins when it qualifies; otherwise take the newest found.
      if [ "$cand" = "${JAVA_HOME:-}" ]; then best="$cand"; break; fi
      if [ "$major" -gt "$best_major" ]; then best="$cand"; best_major=$major; fi
    fi
  done
  if [ -z "$best" ]; then
    {
      echo "caravel: no JDK $need or newer found."
      echo "  Looked at: \$JAVA_HOME (${JAVA_HOME:-unset}), /usr/lib/jvm, /opt, ~/.sdkman, ~/.jdks and 'java' on PATH."
      echo "  Install one (e.g. Temurin 25: https://adoptium.net, or 'apt-get install temurin-25-jdk'),"
      echo "  then run again or point JAVA_HOME at it."
    } >&2
    return 1
  fi
  export JAVA_HOME="$best"
}

caravel_find_maven() {
  if command -v mvn >/dev/null 2>&1; then
    CARAVEL_MVN=mvn
  else
    echo "caravel: Apache Maven (mvn) is needed to build Caravel; install it (e.g. 'apt-get install maven')." >&2
    return 1
  fi
  # Maven 3.8 on JDK 25 warns about sun.misc.Unsafe; the warning is Maven's, not ours.
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
}
