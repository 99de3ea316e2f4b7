#!/bin/sh
# study-run SIZE WORKLOAD...: sysbench's tests, each between "shoji-study: begin W" and
# "shoji-study: end W" (tools/study.py parses sysbench's own report in between). SIZE is
# full or quick. Workloads: cpu, threads, mutex, fileio, memory-ACCESS-OPER-BLOCK
# (ACCESS seq or rnd, OPER read or write, BLOCK a size such as 1M or 4K), and the exit
# round trips exit-cpuid and exit-port and the lateness of a 1 ms sleep, timer-1ms
# (study-exits, tools/study/exits.c).
size=$1
shift
if [ -n "$STUDY_T0" ]; then
	echo "shoji-study: container started in $(($(study-clock) - STUDY_T0)) ns"
fi
if [ "$size" = quick ]; then
	events=20 mem_seq=16M mem_rnd=4M locks=200 file=8M file_events=200 trips=200
else
	events=200 mem_seq=256M mem_rnd=32M locks=2000 file=32M file_events=2000 trips=2000
fi
# memory_run memory ACCESS OPER BLOCK (the workload's name split at its dashes)
memory_run() {
	total=$mem_seq
	[ "$2" = rnd ] && total=$mem_rnd
	sysbench memory --memory-block-size=$4 --memory-total-size=$total \
		--memory-access-mode=$2 --memory-oper=$3 --time=0 run 2>&1 |
		grep -v "event and time limits are disabled"
}

blank=$IFS
for w; do
	echo "shoji-study: begin $w"
	case $w in
	cpu)
		sysbench cpu --cpu-max-prime=2000 --threads=1 --time=0 --events=$events run
		;;
	threads)
		sysbench threads --threads=2 --thread-yields=100 --thread-locks=4 --time=0 \
			--events=$events run
		;;
	mutex)
		sysbench mutex --threads=2 --mutex-num=64 --mutex-locks=$locks --time=0 run
		;;
	fileio)
		# On the initramfs's own file system (RAM): no column has a disk the others share.
		mkdir -p /tmp/fileio && cd /tmp/fileio &&
			sysbench fileio --file-num=4 --file-total-size=$file prepare >/dev/null &&
			sysbench fileio --file-num=4 --file-total-size=$file --file-test-mode=rndrw \
				--time=0 --events=$file_events run
		sysbench fileio --file-num=4 --file-total-size=$file cleanup >/dev/null
		cd /
		;;
	exit-*)
		study-exits ${w#exit-} $trips
		;;
	timer-1ms)
		study-exits timer $((trips / 10))
		;;
	memory-*)
		IFS=-
		memory_run $w
		IFS=$blank
		;;
	*)
		echo "shoji-study: error: unknown workload $w"
		;;
	esac
	echo "shoji-study: end $w"
done
