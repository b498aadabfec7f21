#!/usr/bin/perl
# soak/doors.pl -- the stream part of the soak (soak/run.sh starts it).
#
#   doors.pl run WORK PORT PKI END_MS
#       Until END_MS (ms since the epoch): keeps DOORS_SESSIONS (3) door-1
#       and as many door-2 sessions open to nginx's stream server on
#       127.0.0.1:PORT (openssl s_client -quiet, stdin /dev/null, to a
#       silent upstream: the sink, a child of this process, on
#       WORK/run/sink.sock), reopening each one 0.3-1 s after it ended;
#       door-2 sessions are also closed by us after 10-40 s, so that new
#       ones keep opening at every phase.  Meanwhile it swaps the stream
#       server's CRL file, WORK/crl/doors.crl (write, then rename), between
#       WORK/crl/doors-door1-[ab].crl (revoke door-1) and
#       WORK/crl/doors-none-[ab].crl (revoke nobody): door-1's state flips
#       every 6-10 s (a random interval, to the millisecond, DOORS_SEED),
#       independently of run.sh's ticks, so that the revocations land at
#       every phase of a reload; and every 2-3.5 s in between, the CRL of
#       the same state is reissued (the other of a and b, another CRL
#       number), so that the workers, old ones too, have taken several
#       changes in a row before a revocation comes.  The last swap is at
#       least 5 s before END_MS.
#       It writes, as things happen:
#         WORK/out/doors-crl.txt       MS revoked|restored   (a flip, at
#                                      the rename), or MS reissue STATE
#         WORK/out/doors-sessions.txt  ID NAME START_MS CONN_MS END_MS HOW
#                                      PORT OWNER EXIT  (one per session,
#                                      when it ended; HOW: server = s_client
#                                      ended by itself, helper = we closed it;
#                                      CONN_MS, PORT, OWNER: - if not seen)
#         WORK/out/doors-owners.txt    MS ID OWNER TITLE   (at each swap, the
#                                      live door-1 sessions' workers: old
#                                      ones are "shutting down")
#
#   doors.pl report WORK REFRESH_MS TOLERANCE_MS
#       After nginx stopped: the verdict, from the files above, run.sh's
#       WORK/out/events.txt (worker kills) and rss.txt (current workers),
#       and nginx's logs/doors-access.log (one line per stream session:
#       $msec $remote_port $pid $status $session_time "$certauthz_cn"
#       $certauthz_result $certauthz_reason) and logs/error.log.  Prints
#       the report's lines, and "fail: WHY" lines for run.sh; details of
#       every session to WORK/out/doors-analysis.txt.
#
# The limit: a door-1 session open when the revoking CRL is renamed into
# place must end within G = REFRESH_MS + 1000 + TOLERANCE_MS of the rename.
# A state (door-1 revoked or restored) is certain from G after its rename:
# then a door-1 session must be refused (revoked) or accepted and kept
# (restored); within G either is right.  A door-2 session must never be
# denied or closed by nginx.  Closes within 1.5 s of run.sh's SIGKILL of
# the worker that held the session are the kill's, not a decision.

use strict;
use warnings;

use IO::Select;
use IO::Socket::UNIX;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

my $mode = shift // '';

if ($mode eq 'run') {
    run(@ARGV);
} elsif ($mode eq 'report') {
    exit report(@ARGV);
} else {
    die "usage: $0 run WORK PORT PKI END_MS | report WORK REFRESH_MS TOLERANCE_MS\n";
}

sub now_ms { int(time * 1000) }

sub slurp {
    my ($file) = @_;
    open my $f, '<', $file or return '';
    local $/;
    return <$f> // '';
}

sub lines {
    my ($file) = @_;
    return map { [split ' '] } grep { /\S/ } split /\n/, slurp($file);
}

# --- run ------------------------------------------------------------------

my (%slot_of, @slots, $sink, $work, $port);
my $stop = 0;

sub run {
    my ($pki, $end);
    ($work, $port, $pki, $end) = @_;
    die "usage: $0 run WORK PORT PKI END_MS\n" unless defined $end;

    my $n = $ENV{DOORS_SESSIONS} || 3;
    my $seed = $ENV{DOORS_SEED} || (time ^ $$);
    srand($seed);

    $SIG{TERM} = $SIG{INT} = $SIG{HUP} = sub { $stop = 1 };

    $sink = sink("$work/run/sink.sock");

    open my $crl_log, '>>', "$work/out/doors-crl.txt" or die "doors-crl.txt: $!";
    open my $ses_log, '>>', "$work/out/doors-sessions.txt" or die "doors-sessions.txt: $!";
    open my $own_log, '>>', "$work/out/doors-owners.txt" or die "doors-owners.txt: $!";
    $_->autoflush(1) for $crl_log, $ses_log, $own_log;

    print STDERR "doors: seed $seed, $n door-1 and $n door-2 sessions, port $port\n";

    @slots = ((map { { name => 'door-1' } } 1 .. $n),
              (map { { name => 'door-2' } } 1 .. $n));

    my $id = 0;
    my $revoked = 0;
    my $version = 'a';
    my $next_flip = now_ms() + 3000 + int(rand(4000));
    my $next_swap = now_ms() + 2000 + int(rand(1500));
    $next_swap = $next_flip if $next_swap > $next_flip - 1500;
    my $last_swap_by = $end - 5000;

    while (!$stop && now_ms() < $end) {
        my $now = now_ms();

        # the CRL swap: write, then rename
        if ($now >= $next_swap && $next_swap <= $last_swap_by) {
            my $flip = $next_swap == $next_flip;
            $revoked = !$revoked if $flip;
            $version = $version eq 'a' ? 'b' : 'a';
            my $src = ($revoked ? 'doors-door1-' : 'doors-none-') . $version;
            copy_file("$work/crl/$src.crl", "$work/crl/.doors-next.crl");
            rename "$work/crl/.doors-next.crl", "$work/crl/doors.crl"
                or die "rename: $!";
            my $t = now_ms();
            my $state = $revoked ? 'revoked' : 'restored';
            print $crl_log "$t ", ($flip ? $state : "reissue $state"), "\n";

            for my $s (grep { $_->{pid} && $_->{name} eq 'door-1' } @slots) {
                my $o = $s->{owner} // '-';
                my $title = $o eq '-' ? '-' : title($o);
                $title =~ s/\s+/_/g;
                print $own_log "$t $s->{id} $o ", ($title || 'gone'), "\n";
            }

            $next_flip = $t + 6000 + int(rand(4000)) if $flip;
            $next_swap = $t + 2000 + int(rand(1500));
            $next_swap = $next_flip if $next_swap > $next_flip - 1500;
        }

        # sessions that ended
        while ((my $pid = waitpid(-1, WNOHANG)) > 0) {
            my $s = delete $slot_of{$pid} or next;
            my $t = now_ms();
            printf $ses_log "%d %s %d %s %d %s %s %s %d\n",
                $s->{id}, $s->{name}, $s->{start}, $s->{conn} // '-', $t,
                ($s->{closing} ? 'helper' : 'server'), $s->{port} // '-',
                $s->{owner} // '-', $? >> 8;
            %$s = (name => $s->{name},
                   next => $t + 300 + int(rand(700)));
        }

        # where the new ones are: their port, then the worker that holds them
        my @new = grep { $_->{pid} && !$_->{owner}
                         && $now - $_->{start} < 3000 } @slots;
        if (@new) {
            my $tcp = tcp_table();
            for my $s (@new) {
                $s->{port} //= client_port($s->{pid}, $tcp);
                $s->{conn} //= now_ms() if defined $s->{port};
                $s->{owner} = owner($s->{port}, $tcp) if defined $s->{port};
            }
        }

        # door-2 sessions are closed by us after their time
        for my $s (grep { $_->{pid} && $_->{until} && !$_->{closing} } @slots) {
            next if $now < $s->{until};
            $s->{closing} = 1;
            kill 'TERM', $s->{pid};
        }

        # empty slots get a new session
        for my $s (grep { !$_->{pid} && ($_->{next} // 0) <= $now } @slots) {
            my $pid = s_client($s->{name}, $pki);
            $s->{id} = ++$id;
            $s->{pid} = $pid;
            $s->{start} = now_ms();
            $s->{until} = $s->{start} + 10000 + int(rand(30000))
                if $s->{name} eq 'door-2';
            $slot_of{$pid} = $s;
        }

        my $wait = 50;
        $wait = $next_swap - now_ms() if $next_swap - now_ms() < $wait;
        sleep($wait / 1000) if $wait > 0;
    }

    # the end: close ours, then the sink
    for my $s (grep { $_->{pid} } @slots) {
        $s->{closing} = 1;
        kill 'TERM', $s->{pid};
    }
    my $deadline = time + 5;
    while (%slot_of && time < $deadline) {
        my $pid = waitpid(-1, WNOHANG);
        if ($pid > 0) {
            my $s = delete $slot_of{$pid} or next;
            printf $ses_log "%d %s %d %s %d %s %s %s %d\n",
                $s->{id}, $s->{name}, $s->{start}, $s->{conn} // '-',
                now_ms(), 'helper', $s->{port} // '-', $s->{owner} // '-',
                $? >> 8;
            next;
        }
        sleep 0.02;
    }
    kill 'KILL', $_ for keys %slot_of;
    kill 'KILL', $sink;
    waitpid $sink, 0;
    exit 0;
}

sub copy_file {
    my ($from, $to) = @_;
    my $data = slurp($from);
    length $data or die "$from is empty";
    open my $f, '>', $to or die "$to: $!";
    print $f $data;
    close $f or die "$to: $!";
}

# the upstream: silent, holds every connection until its peer closes it
sub sink {
    my ($path) = @_;
    unlink $path;
    my $l = IO::Socket::UNIX->new(Local => $path, Listen => 128)
        or die "sink $path: $!";
    chmod 0777, $path;
    my $parent = $$;

    my $pid = fork // die "fork: $!";
    return $pid if $pid;

    $SIG{TERM} = 'DEFAULT';
    my $sel = IO::Select->new($l);
    while (getppid() == $parent) {
        for my $h ($sel->can_read(1)) {
            if ($h == $l) {
                my $c = $l->accept or next;
                $sel->add($c);
            } elsif (!sysread($h, my $buf, 4096)) {
                $sel->remove($h);
                close $h;
            }
        }
    }
    POSIX::_exit(0);
}

sub s_client {
    my ($name, $pki) = @_;
    my $pid = fork // die "fork: $!";
    return $pid if $pid;

    $SIG{TERM} = $SIG{INT} = $SIG{HUP} = 'DEFAULT';
    open STDIN, '<', '/dev/null';
    open STDOUT, '>>', "$work/out/s_client.txt";
    open STDERR, '>&', \*STDOUT;
    exec 'openssl', 's_client', '-quiet', '-connect', "127.0.0.1:$port",
         '-cert', "$pki/$name.pem", '-key', "$pki/$name.key",
         '-CAfile', "$pki/ca.crt"
        or POSIX::_exit(127);
}

# /proc/net/tcp: [local port, remote port, state, inode] per socket
sub tcp_table {
    my @t;
    for my $line (split /\n/, slurp('/proc/net/tcp')) {
        my @f = split ' ', $line;
        next unless @f > 9 && $f[1] =~ /:/;
        push @t, [hex((split /:/, $f[1])[1]), hex((split /:/, $f[2])[1]),
                  $f[3], $f[9]];
    }
    return \@t;
}

# the local port of the established TCP socket of a process, or undef
sub client_port {
    my ($pid, $tcp) = @_;
    my %inode;
    for my $fd (glob "/proc/$pid/fd/*") {
        my $l = readlink $fd // next;
        $inode{$1} = 1 if $l =~ /^socket:\[(\d+)\]$/;
    }
    for my $e (@$tcp) {
        return $e->[0] if $inode{$e->[3]} && $e->[2] eq '01'
                          && $e->[1] == $port;
    }
    return undef;
}

# the nginx worker that holds the server side of the session from CPORT
sub owner {
    my ($cport, $tcp) = @_;
    my ($inode) = map { $_->[3] } grep { $_->[0] == $port && $_->[1] == $cport } @$tcp;
    return undef unless $inode;

    my $master = slurp("$work/run/nginx.pid");
    chomp $master;
    return undef unless $master =~ /^\d+$/;

    for my $stat (glob '/proc/[0-9]*/stat') {
        my $s = slurp($stat);
        next unless $s =~ /\)\s+\S+\s+(\d+)/ && $1 == $master;
        my ($w) = $stat =~ m{/proc/(\d+)/};
        for my $fd (glob "/proc/$w/fd/*") {
            my $l = readlink $fd // next;
            return $w if $l eq "socket:[$inode]";
        }
    }
    return undef;
}

sub title {
    my ($pid) = @_;
    my $t = slurp("/proc/$pid/cmdline");
    $t =~ tr/\0//d;
    return $t;
}

# --- report -----------------------------------------------------------------

sub report {
    my ($refresh, $tol);
    ($work, $refresh, $tol) = @_;
    die "usage: $0 report WORK REFRESH_MS TOLERANCE_MS\n" unless defined $tol;
    my $G = $refresh + 1000 + $tol;
    my $out = "$work/out";
    my @fail;

    # the renames, and the state at any time
    my @swaps = lines("$out/doors-crl.txt");
    my @crl = grep { $_->[1] ne 'reissue' } @swaps;     # the flips
    my $reissues = @swaps - @crl;
    my $revocations = grep { $_->[1] eq 'revoked' } @crl;
    my $restores = grep { $_->[1] eq 'restored' } @crl;
    my $state_at = sub {    # (revoked?, rename MS or undef, certain?)
        my ($t) = @_;
        my $last;
        for my $c (@crl) {
            last if $c->[0] > $t;
            $last = $c;
        }
        return (0, undef, 1) unless $last;
        return ($last->[1] eq 'revoked' ? 1 : 0, $last->[0],
                $t >= $last->[0] + $G ? 1 : 0);
    };

    # run.sh's kills, and the start of its ticks
    my (@kills, $t0);
    for my $e (lines("$out/events.txt")) {
        $t0 = $e->[0] if $e->[1] eq 'start';
        push @kills, [$e->[0], $e->[2]] if $e->[1] eq 'kill';
    }
    my $rel = sub {         # a time, in s since run.sh's start
        my ($t) = @_;
        return defined $t0 ? sprintf('%.3f s', ($t - $t0) / 1000) : "$t ms";
    };
    my $killed = sub {      # ended by a kill of its worker?
        my ($s) = @_;
        for my $k (@kills) {
            next unless $s->{end} >= $k->[0] && $s->{end} <= $k->[0] + 1500;
            return 1 if $s->{owner} eq '-' || $s->{owner} == $k->[1];
        }
        return 0;
    };

    # nginx's view: the access log
    my @acc;
    for my $line (split /\n/, slurp("$work/logs/doors-access.log")) {
        my ($msec, $rport, $pid, $status, $st, $cn, $res, $reason) =
            $line =~ /^(\S+) (\d+) (\d+) (\d+) (\S+) "([^"]*)" (\S+) (\S+)/
            or next;
        my $end = int($msec * 1000 + 0.5);
        push @acc, { end => $end, start => $end - int($st * 1000 + 0.5),
                     port => $rport, pid => $pid, status => $status,
                     cn => $cn, result => $res, reason => $reason };
    }

    # the client's view: the sessions
    my @ses;
    for my $f (lines("$out/doors-sessions.txt")) {
        my %s;
        @s{qw(id name start conn end how port owner exit)} = @$f;
        push @ses, \%s;
    }
    my (%at_swap);
    for my $o (lines("$out/doors-owners.txt")) {
        $at_swap{"$o->[0] $o->[1]"} = $o->[3];
    }

    # each session and its access log line (same port, ends within 2 s)
    my %used;
    for my $s (@ses) {
        next if $s->{port} eq '-';
        for my $i (0 .. $#acc) {
            my $a = $acc[$i];
            next if $used{$i} || $a->{port} != $s->{port}
                    || abs($a->{end} - $s->{end}) > 2000;
            $used{$i} = 1;
            $s->{acc} = $a;
            last;
        }
    }
    # and the ones that ended before we saw their port (refused ones, in
    # 50 ms): the line of the same CN that lies within the session, the
    # nearest end first
    for my $s (grep { !$_->{acc} } @ses) {
        my ($best, $bd);
        for my $i (0 .. $#acc) {
            my $a = $acc[$i];
            next if $used{$i} || $a->{cn} ne $s->{name}
                    || $a->{start} < $s->{start} - 100
                    || $a->{end} > $s->{end} + 100;
            my $d = abs($a->{end} - $s->{end});
            ($best, $bd) = ($i, $d) if !defined $bd || $d < $bd;
        }
        next unless defined $best;
        $used{$best} = 1;
        $s->{acc} = $acc[$best];
    }
    my $matched = grep { $_->{acc} } @ses;

    open my $det, '>', "$out/doors-analysis.txt" or die "doors-analysis.txt: $!";

    my (%n, @delays, @ndelays, @late, @wrong, %outlived);

    for my $s (@ses) {
        my $a = $s->{acc};
        my $life = $s->{end} - $s->{start};
        my $by_kill = $s->{how} eq 'server' && $killed->($s);

        # closed by us at the end of the run while it was still opening
        # (no connection seen, no access log line): nginx decided nothing
        if (!$a && $s->{how} eq 'helper' && $s->{port} eq '-') {
            $n{'undecided'}++;
            print $det join(' ', map { $s->{$_} } qw(id name start conn end how port owner exit)),
                " | life $life ms, closed by us while opening: not judged\n";
            next;
        }
        # no line: a session lost with its killed worker, or one of ours
        my $accepted = $a ? ($a->{status} == 200)
                          : ($s->{how} eq 'helper' || $life >= 1000
                             || ($by_kill && $s->{owner} ne '-'));
        my $note = '';

        $n{"$s->{name} attempts"}++;
        $n{$accepted ? "$s->{name} accepted" : "$s->{name} refused"}++;
        $n{'closed by a kill'}++ if $by_kill;

        my ($rev, $since, $certain) = $state_at->($s->{start});

        if ($s->{name} eq 'door-2') {
            if (!$accepted || ($s->{how} eq 'server' && !$by_kill)) {
                $note = 'WRONG: door-2 refused or closed by nginx';
                push @wrong, $note;
            }
        } else {
            if ($certain && $rev && $accepted) {
                $note = 'WRONG: door-1 accepted while revoked';
                push @wrong, $note;
            } elsif ($certain && !$rev && !$accepted) {
                $note = 'WRONG: door-1 refused while restored';
                push @wrong, $note;
            } elsif ($accepted && $s->{how} eq 'server' && !$by_kill) {
                # closed by nginx: there must be a revocation to close it
                my ($erev) = $state_at->($s->{end});
                if (!$erev) {
                    $note = 'WRONG: door-1 closed without a revocation';
                    push @wrong, $note;
                }
            }

            # every revocation while it was open (or while it was opening)
            for my $c (grep { $_->[1] eq 'revoked' } @crl) {
                my $r = $c->[0];
                next unless $s->{start} < $r + $G && $s->{end} > $r;
                next unless $accepted;
                my $limit = $r + $G;
                if ($s->{how} eq 'server' && $by_kill && $s->{end} <= $limit) {
                    $note .= " killed before the limit of $r";
                    next;
                }
                my $d = $s->{end} - $r;
                my $owner = $at_swap{"$r $s->{id}"} // '?';
                if ($s->{how} eq 'server' && $s->{end} <= $limit) {
                    push @delays, $d;
                    push @ndelays, $a->{end} - $r if $a;
                    $n{'closed on an old worker'}++ if $owner =~ /shutting/;
                    $note .= " closed ${d} ms after revocation $r ($owner)";
                } else {
                    $outlived{$s->{id}} = 1;
                    push @late, "session $s->{id} ($s->{name}, opened at "
                        . $rel->($s->{start}) . ", port $s->{port},"
                        . " worker $s->{owner}, $owner at the rename):"
                        . " revoked at " . $rel->($r) . ", " . ($s->{how} eq 'server'
                            ? "closed after $d ms" : "still open after $d ms, closed by us");
                    $note .= " OUTLIVED revocation $r by $d ms";
                    push @delays, $d if $s->{how} eq 'server';
                }
            }
        }

        my $av = $a ? "$a->{status} $a->{result} $a->{reason} pid $a->{pid}"
                    : 'no access log line';
        print $det join(' ', map { $s->{$_} } qw(id name start conn end how port owner exit)),
            " | life $life ms, ", ($accepted ? 'accepted' : 'refused'),
            " | $av |$note\n";
    }

    # nginx's decisions that no session of ours explains: by time alone
    my %nginx;
    for my $i (0 .. $#acc) {
        my $a = $acc[$i];
        next unless $a->{cn} =~ /^door-[12]$/;
        my ($rev, $since, $certain) = $state_at->($a->{start});
        my $why;
        if ($a->{cn} eq 'door-2') {
            $why = 'door-2 denied' if $a->{result} ne 'allow';
        } elsif ($a->{status} == 403) {
            $why = 'door-1 refused while restored' if $certain && !$rev;
        } elsif ($a->{status} == 200) {
            if ($certain && $rev) {
                $why = 'door-1 accepted while revoked';
            } elsif ($a->{result} eq 'deny') {
                my ($erev, $esince) = $state_at->($a->{end});
                if (!$erev) {
                    $why = 'door-1 closed without a revocation';
                } elsif ($a->{end} > $esince + $G) {
                    $why = 'door-1 closed ' . ($a->{end} - $esince)
                         . ' ms after its revocation';
                }
            }
        } else {
            $why = "status $a->{status}";
        }
        next unless $why;
        $nginx{$why}++;
        print $det "nginx: session from port $a->{port} on $a->{pid}, "
            . "$a->{start}..$a->{end}, $a->{status} $a->{result} $a->{reason}: $why\n";
    }

    # the error log: door-2 must never be denied
    my $err = slurp("$work/logs/error.log");
    my $door2_err = () = $err =~ /access forbidden[^\n]*subject: "CN=door-2,/g;
    my $door1_live = () = $err =~ /access forbidden, connection closed, reason: revoked, subject: "CN=door-1,/g;
    my $door1_open = () = $err =~ /access forbidden, reason: revoked, subject: "CN=door-1,/g;

    close $det;

    my @d = sort { $a <=> $b } @delays;
    my $median = !@d ? 0 : @d % 2 ? $d[$#d / 2] : int(($d[@d / 2 - 1] + $d[@d / 2]) / 2);
    my $max = @d ? $d[-1] : 0;
    my @nd = sort { $a <=> $b } @ndelays;
    my $nginx_wrong = 0;
    $nginx_wrong += $_ for values %nginx;
    my %wk;
    $wk{$_}++ for @wrong;
    my $wrong = @wrong + $nginx_wrong + $door2_err;

    my $opened = ($n{'door-1 accepted'} // 0) + ($n{'door-2 accepted'} // 0);
    printf "stream sessions opened:  %d (door-1 %d, door-2 %d; s_client attempts %d:"
         . " door-1 %d refused, door-2 %d refused)\n",
        $opened, $n{'door-1 accepted'} // 0, $n{'door-2 accepted'} // 0,
        scalar @ses, $n{'door-1 refused'} // 0, $n{'door-2 refused'} // 0;
    printf "revocations:             %d (%d CRL swaps: door-1 revoked %d times and"
         . " restored %d times, every 6-10 s, and %d reissues of the same state in"
         . " between)\n", $revocations, scalar @swaps, $revocations, $restores,
        $reissues;
    printf "closed by revocation:    %d door-1 sessions, delay after the rename of the"
         . " revoking CRL: max %d ms, median %d ms (s_client's end, seen every 50 ms;"
         . " nginx's close, from its access log: max %d ms); %d of them on an old"
         . " worker (shutting down after a reload)\n",
        scalar @delays - scalar(grep { /closed after/ } @late), $max, $median,
        (@nd ? $nd[-1] : 0), $n{'closed on an old worker'} // 0;
    printf "outlived revocation:     %d sessions (%d revocations of a session; limit:"
         . " closed within refresh + 1 s + %d ms = %d ms of the rename)\n",
        scalar keys %outlived, scalar @late, $tol, $G;
    print "  $_\n" for @late[0 .. ($#late < 9 ? $#late : 9)];
    printf "wrong stream decisions:  %d (sessions: %d%s; nginx's access log: %d%s;"
         . " door-2 denials in the error log: %d)\n",
        $wrong, scalar @wrong,
        (%wk ? ' = ' . join(', ', map { "$wk{$_} $_" } sort keys %wk) : ''),
        $nginx_wrong,
        (%nginx ? ' = ' . join(', ', map { "$nginx{$_} $_" } sort keys %nginx) : ''),
        $door2_err;
    printf "  (closed by a worker kill: %d; closed by us at the end while opening,"
         . " not judged: %d; error log: door-1 refused %d, door-1"
         . " closed live %d; access log: %d lines, %d of the %d sessions matched)\n",
        $n{'closed by a kill'} // 0, $n{'undecided'} // 0, $door1_open, $door1_live, scalar @acc,
        $matched, scalar @ses;

    push @fail, scalar(keys %outlived) . " stream sessions outlived their revocation"
        if %outlived;
    push @fail, "$wrong wrong stream decisions (see $out/doors-analysis.txt)" if $wrong;
    push @fail, "no door-1 revocation (the stream part proved nothing)" unless $revocations;
    push @fail, "no door-1 session was closed by a revocation" unless @delays;
    push @fail, "the stream part opened no sessions" unless $opened;
    print "fail: $_\n" for @fail;
    return @fail ? 1 : 0;
}
