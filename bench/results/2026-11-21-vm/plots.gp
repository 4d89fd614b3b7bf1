# callfence-bench report: the plots of this directory's CSVs.
# Run here: gnuplot plots.gp
set terminal pngcairo size 900,560 noenhanced
set datafile separator ','
set datafile columnheaders
set grid
set key top left

set output 'lookup.png'
set title 'List look-up cost against list size (one core)'
set logscale x 10
set logscale y 2
set xlabel 'numbers in the list'
set ylabel 'ns per look-up (CPU time)'
set y2label 'bytes per number'
set y2tics
set yrange [1:1024]
set y2range [0:16]
plot 'lookup.csv' using 'numbers':'single_ns' w lp t 'single, mapped file', \
	'' using 'numbers':'batched_ns' w lp t 'batched, mapped file', \
	'' using 'numbers':'thp_single_ns' w lp t 'single, huge pages', \
	'' using 'numbers':'thp_batched_ns' w lp t 'batched, huge pages', \
	'' using 'numbers':'bytes_per_number' axes x1y2 w lp dt 2 t 'bytes per number (right)'
unset y2label
unset y2tics
set autoscale y
set autoscale y2
unset logscale

$scan << EOD
patterns,ns_per_call,compile_ms,load_ms
10,54.0,10.844,0.13
100,63.1,156.101,0.32
1000,121.3,536.174,0.66
10000,293.8,9998.770,8.25
100000,2759.2,255019.413,118.42
EOD
$chain << EOD
patterns,ns_per_call,compile_ms,load_ms
10,100.9,6.514,0.09
100,496.9,144.569,0.33
1000,4141.2,481.472,0.61
10000,40467.7,8935.577,11.67
EOD
$prefixes << EOD
patterns,ns_per_call,compile_ms,load_ms
10,89.2,0.001,0.03
100,110.1,0.001,0.03
1000,132.1,0.004,0.04
10000,144.1,0.004,0.05
100000,175.1,0.064,0.27
EOD
set output 'regex.png'
set title 'Judging a call against N number patterns (one core)'
set logscale xy 10
set xlabel 'patterns in the ruleset'
set ylabel 'ns per call'
plot $scan using 1:2 w lp t 'scan: one Hyperscan database, one rule', \
	$chain using 1:2 w lp t 'chain: one rule per pattern', \
	$prefixes using 1:2 w lp t 'prefixes: N number prefixes, no regex'
set output 'regex-compile.png'
set title 'Pattern database: compile and load'
set ylabel 'milliseconds'
plot $scan using 1:3 w lp t 'compile (rules file)', \
	$scan using 1:4 w lp t 'load (compiled file, deserialise)'
unset logscale

set output 'pipeline.png'
set title 'Decode to verdict: calls per second against workers'
set xlabel 'workers'
set ylabel 'calls/s'
set xtics 1
set yrange [0:*]
plot 'pipeline.csv' using 'workers':(strcol('mode') eq 'inline' ? column('calls_per_s') : 1/0) w lp t 'inline (callfenced: each worker decodes and judges)', \
	'' using 'workers':(strcol('mode') eq 'split' ? column('calls_per_s') : 1/0) w lp t 'split (a producer thread per worker)'
set autoscale
set xtics autofreq

set output 'latency.png'
set title 'Latency per call, burst arrival to verdict (CDF)'
set logscale x 10
set xlabel 'microseconds'
set ylabel 'percentile'
set yrange [0:100]
set key bottom right
plot 'pipeline-latency.csv' using (strcol("mode") eq "inline" && column("workers") == 1 ? column("latency_ns") / 1000.0 : 1/0):"percentile" with linespoints title 'inline, 1 worker(s)', \
	'pipeline-latency.csv' using (strcol("mode") eq "inline" && column("workers") == 2 ? column("latency_ns") / 1000.0 : 1/0):"percentile" with linespoints title 'inline, 2 worker(s)', \
	'pipeline-latency.csv' using (strcol("mode") eq "split" && column("workers") == 1 ? column("latency_ns") / 1000.0 : 1/0):"percentile" with linespoints title 'split, 1 worker(s)', \
	'pipeline-latency.csv' using (strcol("mode") eq "split" && column("workers") == 2 ? column("latency_ns") / 1000.0 : 1/0):"percentile" with linespoints title 'split, 2 worker(s)'
unset logscale
set autoscale
