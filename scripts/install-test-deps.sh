#!/bin/sh
# Installs the Debian packages the integration tests run (`npm test` calls this first, and so
# does .ci/run). Idempotent: a program already on the machine is not installed again, and
# apt-get runs only when something is missing. Not root: it prints the command and fails.
#
# One line per program: the program the tests run (a name on PATH or an absolute path), then
# the Debian package that provides it, then what needs it.
set -eu

NEEDS='
git            git            the numstat and patch-id tests compare with git itself
script         bsdutils       the progress-bar tests give the CLI a terminal with script(1)
/usr/sbin/dovecot dovecot-imapd the IMAP tests of the mail bot (a private Dovecot on loopback)
public-inbox-init public-inbox the watch --public-inbox test builds a real v2 archive (public-inbox-init, -mda, -learn)
/usr/sbin/postfix postfix       the end-to-end test of the list bot (a private Postfix on loopback)
/usr/lib/git-core/git-send-email git-email the end-to-end test posts its patches with git send-email
'

missing=''
reasons=''
while read -r program package why; do
  [ -n "$program" ] || continue
  if ! command -v "$program" >/dev/null 2>&1; then
    case " $missing " in *" $package "*) ;; *) missing="$missing $package" ;; esac
    reasons="$reasons
  $package: $why"
  fi
done <<LIST
$NEEDS
LIST

[ -n "$missing" ] || exit 0

echo "install-test-deps: the tests need these Debian packages, which are missing:$reasons"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: no apt-get here; install the equivalent packages for your system, then run the tests again." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: not root, so nothing was installed. Install them with:" >&2
  echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y$missing" >&2
  echo "or run only the tests that need no system packages: npm run test:unit" >&2
  exit 1
fi
echo "install-test-deps: apt-get install$missing"
export DEBIAN_FRONTEND=noninteractive
# Postfix's package asks how to configure the system's mail; the tests run a private instance
# (test/support/postfix.ts) and want the system one left alone: "No configuration".
if command -v debconf-set-selections >/dev/null 2>&1; then
  echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
fi
# Waits for another apt-get holding the lock rather than failing.
apt-get -o DPkg::Lock::Timeout=600 update -q </dev/null
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends$missing </dev/null
