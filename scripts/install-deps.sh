#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs everything Meridian needs to build, run its demo and run every test on Debian 12.
# Safe to run again: apt-get skips what is already there.
set -eu
PKGS="meson ninja-build pkg-config gcc clang libglib2.0-dev libglib2.0-bin libgtk-4-dev
  libadwaita-1-dev libpolkit-gobject-1-dev libpolkit-agent-1-dev polkitd pkexec libcmocka-dev
  libjson-glib-dev dbus python3-dbusmock python3-dbus python3-gi chrony ntpsec-ntpdate
  xvfb gettext desktop-file-utils appstream libxml2-utils tzdata systemd util-linux iproute2
  libclang-rt-14-dev locales bash-completion iso-codes
  libicu-dev xplanet-images at-spi2-core python3-pyatspi gir1.2-atspi-2.0 fonts-nanum
  libseccomp-dev libcap2-bin libgnutls28-dev nettle-dev openssl python3-cryptography
  logrotate"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  # A policy-rc.d that refuses keeps chrony's postinst from starting a real chronyd that would
  # discipline the host clock.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
# Korean locale for the gettext tests.
if ! locale -a 2>/dev/null | grep -qi '^ko_KR.utf8$'; then
  if [ -f /etc/locale.gen ]; then
    sed -i 's/^# *ko_KR.UTF-8 UTF-8/ko_KR.UTF-8 UTF-8/' /etc/locale.gen
    grep -q '^ko_KR.UTF-8 UTF-8' /etc/locale.gen || echo 'ko_KR.UTF-8 UTF-8' >> /etc/locale.gen
    locale-gen >/dev/null
  fi
fi
