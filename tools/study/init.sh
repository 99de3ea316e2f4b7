#!/bin/busybox sh
# The overhead study's /init (tools/study_initramfs.py builds the initramfs, tools/study.py
# boots it). The kernel command line says what to run:
#   shoji.study=W1,W2,...       workloads (tools/study/run.sh names them)
#   shoji.study.column=C        native (default), container, or kvm: this kernel loads KVM
#                               and boots itself with /boot/inner.cpio.gz (this initramfs
#                               without the KVM parts) through study-kvm, as column kvm-guest
#   shoji.study.size=S          full (default) or quick (smaller runs, for the smoke test)
# Every line tools/study.py reads starts with "shoji-study:".
/bin/busybox mkdir -p /dev /proc /sys /tmp
/bin/busybox mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "shoji-init: /init running (study)"

arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^shoji\.study$1=//p"; }
work=$(arg "" | tr ',' ' ')
column=$(arg .column)
size=$(arg .size)
clock=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
echo "shoji-study: column ${column:=native}, $(grep -c ^processor /proc/cpuinfo) cpus, $(sed -n 's/^MemTotal: *//p' /proc/meminfo), clocksource $clock"

# The hosted guest prints the workloads' lines; the study reads them as this column's.
case $column in
native | kvm-guest)
	study-run "${size:-full}" $work
	;;
kvm)
	for m in irqbypass kvm kvm-intel kvm-amd; do
		insmod /lib/modules/$m.ko 2>/dev/null && echo "shoji-study: loaded $m"
	done
	if [ -c /dev/kvm ]; then
		mount -t debugfs debugfs /sys/kernel/debug # study-kvm reads KVM's counters there
		study-kvm /boot/vmlinuz /boot/inner.cpio.gz $(($(arg .kvm_megs))) \
			"$(sed 's/shoji\.study\.column=kvm/shoji.study.column=kvm-guest/' /proc/cmdline)" ||
			echo "shoji-study: error: study-kvm failed"
	else
		echo "shoji-study: error: no /dev/kvm: KVM did not load (no VT-x or SVM here?)"
	fi
	;;
container)
	# Namespaces as a container runtime makes them (pid, mount, net, uts, ipc, user with
	# root mapped) inside a cgroup v2 group with memory and pid limits.
	cg=/sys/fs/cgroup
	mkdir -p $cg && mount -t cgroup2 cgroup2 $cg &&
		echo "+cpu +memory +pids" >$cg/cgroup.subtree_control && mkdir $cg/study &&
		echo $(($(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) * 3 / 4))K \
			>$cg/study/memory.max && echo 256 >$cg/study/pids.max &&
		echo $$ >$cg/study/cgroup.procs ||
		{ echo "shoji-study: error: cannot set up the container's cgroup"; poweroff -f; }
	echo "shoji-study: cgroup memory.max $(cat $cg/study/memory.max) pids.max $(cat $cg/study/pids.max)"
	STUDY_T0=$(study-clock) unshare -p -m -n -u -i -r -f --mount-proc \
		study-run "${size:-full}" $work ||
		echo "shoji-study: error: the container exited with status $?"
	;;
*)
	echo "shoji-study: error: unknown column $column"
	;;
esac
echo "shoji-study: done"
sleep 1 # the console's buffer drains at the UART's pace: power-off would cut it short
poweroff -f
