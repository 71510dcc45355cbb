# Sourced by ./firmament and .ci/run: use a JDK 25 when the java on PATH is older.
# An explicit JAVA_HOME that already points at JDK 25 or newer wins.
firmament_java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n 1
}
firmament_select_jdk() {
  local java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  local major
  major=$(firmament_java_major "$java_bin" 2>/dev/null || true)
  if [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null; then
    return 0
  fi
  local candidate
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/temurin-25* /usr/lib/jvm/java-25* /usr/lib/jvm/jdk-25*; do
    if [ -x "$candidate/bin/java" ]; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "firmament: JDK 25 or newer is required (found java ${major:-none}); set JAVA_HOME" >&2
  return 1
}
firmament_select_jdk
