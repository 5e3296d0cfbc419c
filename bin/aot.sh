# Sourced by ./caravel: the start-up cache, a JDK 25 AOT cache (JEP 483/514/515) of the classes the CLI loads
# and links, with their method profiles. It is made once per jar by a short training run (a chat turn with a
# tiny synthesized model) and sits next to the jar; docs/STARTUP.md explains what it saves and why.
#
# The JVM checks a cache itself and ignores one that does not fit, but silently, so these functions decide
# when to make one: the cache must be newer than the jar and made for the same JDK, jar path and JVM flags
# (its ".key" file). A training run that fails leaves a ".failed" file so that it is not retried on every
# start, only after the next build. CARAVEL_AOT=0 turns all of it off.

caravel_aot_jdk_id() { # $1 = JDK home; prints what identifies that JDK build (from its release file)
  local line id=""
  if [ -r "$1/release" ]; then
    while IFS= read -r line; do
      case $line in
        IMPLEMENTOR_VERSION=* | JAVA_RUNTIME_VERSION=* | JAVA_VERSION=* | SOURCE=* | BUILD_SOURCE=*) id="$id $line" ;;
      esac
    done <"$1/release"
  fi
  printf '%s' "$id"
}

caravel_aot_key() { # $1 = JDK home, $2 = jar, then the JVM flags; prints the cache's key
  local jdk="$1" jar="$2"
  shift 2
  printf 'caravel-aot 1|%s|%s|%s|%s' "$jdk" "$(caravel_aot_jdk_id "$jdk")" "$jar" "$*"
}

caravel_aot_read() { # $1 = file; prints its first line (nothing if it cannot be read)
  local line=""
  [ -r "$1" ] && IFS= read -r line <"$1"
  printf '%s' "$line"
}

caravel_aot_usable() { # $1 = cache, $2 = jar, $3 = key: is the cache there, newer than the jar, made for this key?
  [ -s "$1" ] && [ "$1" -nt "$2" ] && [ "$(caravel_aot_read "$1.key")" = "$3" ]
}

caravel_aot_should_train() { # $1 = cache, $2 = jar, $3 = key: may a training run be tried now?
  [ "${CARAVEL_AOT:-1}" != 0 ] || return 1
  [ -w "$(dirname "$1")" ] || return 1
  # A failed try for this jar and key is not repeated until the jar changes.
  if [ -f "$1.failed" ] && [ "$1.failed" -nt "$2" ] && [ "$(caravel_aot_read "$1.failed")" = "$3" ]; then
    return 1
  fi
  return 0
}

# $1 = java, $2 = cache, $3 = jar, $4 = key, then the JVM flags. Makes the cache with a short training run;
# returns non-zero (and leaves a .failed file) if that did not work. Says what it does on stderr.
caravel_aot_train() {
  local java="$1" aot="$2" jar="$3" key="$4"
  shift 4
  local dir tmp="$aot.tmp.$$" ok=1
  echo "caravel: preparing the start-up cache (once per build, a few seconds)..." >&2
  dir="$(mktemp -d 2>/dev/null)" || dir=""
  rm -f "$aot" "$aot.key"
  # The training: a two-turn chat with a tiny random-weight model touches what run, chat, bench and info use
  # at start-up (command line, GGUF, tokenizer, template, forward pass, sampling, streaming).
  if [ -n "$dir" ] &&
     "$java" "$@" -jar "$jar" synth --preset test-tiny-qwen2 --type Q4_0 -q "$dir/tiny.gguf" >"$dir/log" 2>&1 &&
     printf 'Hello, world\nWhat is 2 + 2?\n/exit\n' | "$java" "$@" -XX:AOTCacheOutput="$tmp" '-Xlog:aot*=off' '-Xlog:cds*=off' \
       -Dcaravel.panel.cache="$dir/panels" -jar "$jar" chat -m "$dir/tiny.gguf" -n 8 --temp 0 >>"$dir/log" 2>&1 &&
     [ -s "$tmp" ]; then
    printf '%s\n' "$key" >"$tmp.key" && mv -f "$tmp.key" "$aot.key" && mv -f "$tmp" "$aot" && ok=0
  fi
  [ -z "$dir" ] || rm -rf "$dir"
  rm -f "$tmp" "$tmp.key" "$tmp.config"
  if [ "$ok" != 0 ]; then
    rm -f "$aot" "$aot.key"
    printf '%s\n' "$key" >"$aot.failed" 2>/dev/null
    echo "caravel: could not prepare the start-up cache; starting without it (CARAVEL_AOT=0 skips this)" >&2
    return 1
  fi
  rm -f "$aot.failed"
  return 0
}

# $1 = java, $2 = JDK home, $3 = cache, $4 = jar, then the JVM flags. Sets CARAVEL_AOT_OPTS to the options that
# use the cache (empty when there is none), making the cache first when it is missing or stale.
caravel_aot_options() {
  local java="$1" jdk="$2" aot="$3" jar="$4" key
  shift 4
  CARAVEL_AOT_OPTS=()
  [ "${CARAVEL_AOT:-1}" != 0 ] || return 0
  key="$(caravel_aot_key "$jdk" "$jar" "$@")"
  if caravel_aot_usable "$aot" "$jar" "$key" ||
     { caravel_aot_should_train "$aot" "$jar" "$key" && caravel_aot_train "$java" "$aot" "$jar" "$key" "$@"; }; then
    # A cache the JVM finds unusable after all (other flags in CARAVEL_JAVA_OPTS, say) is skipped quietly.
    CARAVEL_AOT_OPTS=(-XX:AOTCache="$aot" '-Xlog:aot*=off' '-Xlog:cds*=off')
  fi
  return 0
}
