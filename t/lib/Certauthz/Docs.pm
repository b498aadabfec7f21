package Certauthz::Docs;

# Exercises every fenced code block of a Markdown document (docs/cookbook.md,
# docs/migrating.md); t/220-docs.t runs it.  The conventions:
#
# The first word of a block's info string is its language, the words after
# it are attributes key=value.  A block without a language, or with one not
# listed here, fails.
#
#   nginx       checked with "nginx -t" in a sandbox whose /etc/nginx/pki/
#               holds ca.crt (root + intermediate), server.crt, server.key
#               and crl.pem (a PEM CRL of the intermediate), made from the
#               test PKI (t/pki).  Paths under /etc/nginx/ (and /var/log/
#               nginx, /var/www) are rewritten into the sandbox.  What the
#               block holds at its top level decides its wrapping:
#                 events, http, stream, load_module: a whole nginx.conf (the
#                   modules the block does not load itself are added; its
#                   own load_module lines are mapped to the built modules;
#                   "events { }" is added if it has none);
#                 server, or an http-only directive (upstream, map,
#                   log_format, geo, ...): inside "http { }";
#                 location: inside an mTLS "server { }" (listen, server
#                   certificate and key, ssl_client_certificate,
#                   ssl_verify_client on);
#                 anything else: inside "location / { }" of such a server.
#               Every listen address becomes 127.0.0.1 (or [::1]) and a free
#               port.  file=/etc/nginx/certauthz/NAME: not checked alone,
#               written to that path (in every sandbox of the document)
#               before the other blocks are checked, for "include".
#               policy=NAME: checked like any nginx block.
#   apache      "apache2 -t" inside a minimal configuration (mod_ssl,
#               authn/authz, headers, proxy, rewrite, setenvif loaded);
#               /etc/apache2/pki/ holds the same files as /etc/nginx/pki/.
#   haproxy     "haproxy -c -f", with a minimal global and defaults section
#               added where the block has none; /etc/haproxy/pki/ holds the
#               same files, and server.pem (certificate and key).
#   yaml        parsed (python3's PyYAML, else a Perl YAML module; none:
#               skipped, naming the Debian package python3-yaml).
#   dockerfile  every instruction is a Dockerfile keyword.
#   sh          run for real.  The sh blocks of one "## " section are one
#               recipe, run in order by one "bash -euo pipefail"; the
#               recipes of a document run one after the other, in its
#               order, in ONE sandbox (one $HOME, one running nginx and
#               broker, one port map), as a user follows the document on
#               one machine.  A recipe's last block is its clean-up: the
#               files of /etc/nginx, /etc/mosquitto, /etc/cron.d,
#               /etc/systemd/system, /usr/local/{s,}bin must be as the
#               recipe found them (a test of its own).  "nginx -s reload"
#               returns at once, as nginx's does, and the master is told
#               0.5 s later: a recipe must wait for the new answer itself.  The recipe's
#               text has /etc/nginx, /var/log/nginx, /run/nginx.pid,
#               /var/www, /etc/mosquitto, /etc/systemd/system,
#               /usr/local/sbin, /usr/local/bin and /etc/cron.d rewritten
#               into a sandbox laid out as Debian's nginx package lays it
#               out (nginx.conf including modules-enabled/*.conf, with the
#               certauthz modules, conf.d/*.conf and sites-enabled/*), and
#               a sandboxed nginx is running (started before the recipe,
#               stopped after it).  Port numbers of "listen" and
#               "listener" lines become free local ports, and so do those
#               numbers after "127.0.0.1:", "localhost:", "-p " and
#               "--port ".  On PATH: "nginx" (-t, -T, -s reload act on the
#               sandboxed nginx), "systemctl" (reload/restart/start nginx,
#               restart/start/stop mosquitto, daemon-reload, start or
#               "enable --now" of a unit in /etc/systemd/system, which runs
#               its ExecStart once), "service", "sudo" (runs the command),
#               "curl" (any host, on a port the recipe listens on, reaches
#               the sandbox: "curl https://app.example.com/" works).
#               "sh needs=step": run only if the step CLI is installed.
#   text        expected output, if it directly follows (blank lines only
#               in between) an sh block that runs: every line of it, except
#               lines that are just "...", must appear in order in what the
#               recipe printed while running that sh block (stdout and
#               stderr; each line a substring of an output line, leading
#               and trailing blanks ignored; sandbox paths and ports read
#               as the document writes them).  Only that block's output,
#               not the recipe's from its start: an expected "403" must not
#               be met by an earlier block's "403".  Otherwise literal text, not run.  A text
#               block with file=/etc/nginx/... is written there, as the
#               nginx ones are (list files).

use strict;
use warnings;

use Certauthz::Test ();
use Cwd qw(abs_path);
use File::Basename qw(dirname basename);
use File::Find ();
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(WNOHANG setsid);
use Test::More;
use Time::HiRes qw(sleep time);

my $root = abs_path(dirname(__FILE__) . '/../../..');

our %LANGS = map { $_ => 1 } qw(nginx apache haproxy yaml dockerfile sh text);

# ---------------------------------------------------------------------------
# Markdown

# blocks of a Markdown file: { lang, attrs, body, line, section, follows_sh }
sub parse {
    my ($file) = @_;
    open my $in, '<', $file or die "$file: $!\n";
    my @lines = <$in>;
    close $in;

    my (@blocks, $open, $section, $last_end, $last_lang);
    $section = '(before the first ## heading)';

    for my $i (0 .. $#lines) {
        my $l = $lines[$i];
        my $n = $i + 1;

        if ($open) {
            if ($l =~ /^\s*(\Q$open->{fence_char}\E{3,})\s*$/
                && length($1) >= $open->{fence_len})
            {
                delete @$open{qw(fence_char fence_len indent)};
                push @blocks, $open;
                $last_end = $n;
                $last_lang = $open->{lang};
                undef $open;
                next;
            }
            my $indent = $open->{indent};
            $l =~ s/^ {0,$indent}//;
            $open->{body} .= $l;
            next;
        }

        if ($l =~ /^##\s+(.*?)\s*$/ && $l !~ /^###/) {
            $section = $1;
            undef $last_lang;
            next;
        }

        if ($l =~ /^( *)(`{3,}|~{3,})\s*(.*?)\s*$/) {
            my ($indent, $fence, $info) = (length $1, $2, $3);
            my ($lang, @words) = split ' ', $info;
            my %attrs;
            for (@words) {
                if (/^([\w-]+)=(.*)$/) { $attrs{$1} = $2; }
                else { $attrs{$_} = 1; }
            }
            my $between = $last_end
                ? join('', @lines[$last_end .. $i - 1]) : 'x';
            $open = {
                lang => $lang // '', attrs => \%attrs, body => '',
                line => $n, section => $section,
                follows_sh => (defined $last_lang && $last_lang eq 'sh'
                               && $between !~ /\S/) ? 1 : 0,
                fence_char => substr($fence, 0, 1),
                fence_len => length $fence, indent => $indent,
            };
        }
    }

    die "$file: the code block opened at line $open->{line} is not closed\n"
        if $open;

    return @blocks;
}

# ---------------------------------------------------------------------------
# helpers

# a file's text, '' if it cannot be read
sub slurp { Certauthz::Test::slurp(@_) }

sub write_file {
    my ($file, $data, $mode) = @_;
    make_path(dirname($file));
    open my $f, '>', $file or die "$file: $!\n";
    print $f $data;
    close $f or die "$file: $!\n";
    chmod $mode, $file if defined $mode;
}

# ports TEST_NGINX_SERVER_PORT + 100 ... + 199 (1984: 2084 ...), one after
# the other, each one that can be bound (t/21x use + 11 ... + 19)
my $next_port;

sub free_port {
    my $base = ($ENV{TEST_NGINX_SERVER_PORT} || 1984) + 100;
    $next_port //= $base;
    while ($next_port < $base + 100) {
        my $p = $next_port++;
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $p,
                                      Listen => 1, ReuseAddr => 1);
        next unless $s;
        close $s;
        return $p;
    }
    die "no free port in " . $base . " ... " . ($base + 99) . "\n";
}

sub which {
    my ($tool, @skip) = @_;
    for my $d (split(/:/, $ENV{PATH} // ''), '/usr/sbin', '/sbin') {
        next if grep { $d eq $_ } @skip;
        return "$d/$tool" if -x "$d/$tool" && !-d "$d/$tool";
    }
    return undef;
}

sub run_capture {
    my (@cmd) = @_;
    my $pid = open(my $fh, '-|') // die "fork: $!\n";
    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return ($? >> 8, $out);
}

my @SYSTEM_PATHS = qw(/etc/nginx /var/log/nginx /run/nginx.pid /var/www
                      /etc/apache2 /etc/haproxy /etc/mosquitto
                      /etc/systemd/system /usr/local/sbin /usr/local/bin
                      /etc/cron.d /var/log/mosquitto);

# /etc/nginx/... -> $S/etc/nginx/...
sub rewrite_paths {
    my ($text, $S) = @_;
    for my $p (@SYSTEM_PATHS) {
        $text =~ s{(?<![\w.\-/\$])\Q$p\E(?=[/\s;'"*:)]|$)}{$S$p}gm;
    }
    return $text;
}

# the document's view of an output: sandbox paths and ports as written
sub unrewrite {
    my ($text, $S, $ports) = @_;
    $text =~ s{\Q$S\E(?=/)}{}g;
    for my $orig (keys %$ports) {
        my $new = $ports->{$orig};
        $text =~ s{:$new\b}{:$orig}g;
    }
    return $text;
}

# listen lines (nginx) and listener lines (mosquitto) on free local ports,
# remembered in %$ports (document port -> local port); then the same
# numbers after 127.0.0.1:, localhost:, -p and --port
sub rewrite_ports {
    my ($text, $ports, $alloc) = @_;
    $alloc //= \&free_port;
    my $port = sub {
        my ($p) = @_;
        $ports->{$p} //= $alloc->();
        return $ports->{$p};
    };

    my $listen = sub {
        my ($pre, $kw, $addr) = @_;
        return "$pre$kw$addr" if $addr =~ /^unix:/;
        my ($host, $p) = ($addr, 80);
        ($host, $p) = ($1, $2) if $addr =~ /^(?:(.*):)?(\d+)$/;
        my $lo = (defined $host && $host =~ /^\[/) ? '[::1]' : '127.0.0.1';
        return "$pre$kw$lo:" . $port->($p);
    };
    my $listener = sub {
        my ($kw, $p, $rest) = @_;
        $rest = ' 127.0.0.1' if $rest !~ /\S/;
        return $kw . $port->($p) . $rest;
    };

    $text =~ s/(^|[;{]|\s)(listen\s+)([^\s;]+)/$listen->($1, $2, $3)/gme;
    $text =~ s/^(\s*listener\s+)(\d+)(.*)$/$listener->($1, $2, $3)/gme;

    for my $p (keys %$ports) {
        my $new = $ports->{$p};
        $text =~ s{\b(127\.0\.0\.1|localhost|\[::1\]):$p\b}{$1:$new}g;
        $text =~ s{(\s-p\s+|\s--port[\s=]+)$p\b}{$1$new}g;
    }
    return $text;
}

# ---------------------------------------------------------------------------
# sandboxes

sub new {
    my ($class, %opt) = @_;
    my $self = bless {
        nginx => $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx',
        modules => [grep { length } split /\s+/,
                    $ENV{TEST_NGINX_LOAD_MODULES} // ''],
        pki => $ENV{TEST_NGINX_PKI} || "$root/t/pki",
        keep => $ENV{TEST_NGINX_NO_CLEAN},
        timeout => 45,
        reload_delay => 0.5,
        %opt,
    }, $class;
    $self->{base} = tempdir('certauthz-docs-XXXXXX', TMPDIR => 1,
                            CLEANUP => !$self->{keep});
    chmod 0755, $self->{base};
    diag "sandboxes kept in $self->{base}" if $self->{keep};
    return $self;
}

my $seq = 0;

sub sandbox {
    my ($self, $name) = @_;
    $name =~ s/[^\w.-]+/-/g;
    my $S = sprintf '%s/%02d-%s', $self->{base}, ++$seq, substr($name, 0, 40);
    # logs/ under both prefixes: an nginx built from source (make matrix)
    # keeps its default logs there, where Debian's uses /var/log/nginx
    make_path("$S/etc/nginx/pki", "$S/etc/nginx/certauthz", "$S/var/log/nginx",
              "$S/var/lib/nginx",
              "$S/run", "$S/home", "$S/bin", "$S/var/www/html",
              "$S/usr/share/nginx/html", "$S/usr/share/nginx/logs",
              "$S/logs", "$S/tmp");
    chmod 0755, $S;
    return $S;
}

# the test PKI under /etc/nginx/pki (and apache2's, haproxy's)
sub install_pki {
    my ($self, $S) = @_;
    my $pki = $self->{pki};
    my %files = ('ca.crt' => slurp("$pki/ca.crt"),
                 'server.crt' => slurp("$pki/server.crt"),
                 'server.key' => slurp("$pki/server.key"),
                 'crl.pem' => slurp("$pki/crl/int-empty.crl"));
    $files{'server.pem'} = $files{'server.crt'} . $files{'server.key'};
    for my $dir ('etc/nginx/pki', 'etc/apache2/pki', 'etc/haproxy/pki') {
        for my $f (keys %files) {
            die "test PKI: $f is empty\n" unless length $files{$f};
            write_file("$S/$dir/$f", $files{$f}, 0644);
        }
    }
}

sub write_file_blocks {
    my ($self, $S) = @_;
    for my $b (@{ $self->{file_blocks} || [] }) {
        my $path = $b->{attrs}{file};
        write_file(rewrite_paths($path, $S), rewrite_paths($b->{body}, $S));
    }
}

# load_module lines: the block's own, mapped to the built modules, and the
# modules it does not load itself, before them.  A module of nginx's own
# (ngx_stream_module.so) is Debian's where the tests run Debian's nginx;
# an nginx built from source (make matrix) has it built in: the line is
# left out, as a comment
sub load_modules {
    my ($self, $conf) = @_;
    my %mod = map { basename($_) => $_ } @{ $self->{modules} };
    my $debian = grep { m{^/usr/lib/nginx/modules/} } @{ $self->{modules} };
    my %loaded;
    $conf =~ s{^(\s*)(load_module\s+)([^;\s]+)}{
        my ($sp, $kw, $path) = ($1, $2, $3);
        my $name = basename($path);
        $loaded{$name} = 1;
        $mod{$name} ? "$sp$kw$mod{$name}"
        : ($debian && -e "/usr/lib/nginx/modules/$name")
          ? "$sp${kw}/usr/lib/nginx/modules/$name"
        : "$sp# (built in) $kw$path";
    }gme;
    my $head = join '', map { "load_module $_;\n" }
               grep { !$loaded{basename($_)} } @{ $self->{modules} };
    return $head . $conf;
}

# the statements at the top level of an nginx configuration text
sub top_level {
    my ($text) = @_;
    my (@words, $depth, $start, $tok, $q);
    $depth = 0;
    $start = 1;
    my @c = split //, $text;
    for (my $i = 0; $i < @c; $i++) {
        my $ch = $c[$i];
        if ($q) {
            $i++ if $ch eq '\\';
            undef $q if $ch eq $q;
            next;
        }
        if ($ch eq '#') {
            $i++ while $i < @c && $c[$i] ne "\n";
            next;
        }
        if ($ch eq '"' || $ch eq "'") { $q = $ch; $start = 0; next; }
        if ($ch eq '{') { $depth++; $start = 1; next; }
        if ($ch eq '}') { $depth--; $start = 1; next; }
        if ($ch eq ';') { $start = 1; next; }
        next if $ch =~ /\s/;
        if ($start && $depth == 0) {
            my $w = '';
            while ($i < @c && $c[$i] =~ /[\w\$]/) { $w .= $c[$i++]; }
            $i--;
            push @words, $w;
        }
        $start = 0;
    }
    return @words;
}

my %HTTP_ONLY = map { $_ => 1 } qw(server upstream map log_format geo
    split_clients limit_req_zone limit_conn_zone proxy_cache_path
    fastcgi_cache_path uwsgi_cache_path scgi_cache_path
    server_names_hash_bucket_size variables_hash_max_size);

sub mtls_server {
    my ($S, $port, $inner) = @_;
    return <<"EOC";
    server {
        listen 127.0.0.1:$port ssl;
        server_name localhost;
        ssl_certificate        $S/etc/nginx/pki/server.crt;
        ssl_certificate_key    $S/etc/nginx/pki/server.key;
        ssl_client_certificate $S/etc/nginx/pki/ca.crt;
        ssl_verify_client      on;
$inner
    }
EOC
}

# the nginx.conf that checks one block
sub nginx_conf {
    my ($self, $S, $body) = @_;
    # nginx -t binds nothing: ports distinct within the block will do
    my %ports;
    my $n = ($ENV{TEST_NGINX_SERVER_PORT} || 1984) + 180;
    my $alloc = sub { $n++ };
    my $text = rewrite_ports(rewrite_paths($body, $S), \%ports, $alloc);
    my @top = top_level($text);
    my %top = map { $_ => 1 } @top;
    my $main = "pid $S/run/nginx.pid;\nerror_log $S/var/log/nginx/error.log;\n";

    if ($top{events} || $top{http} || $top{stream} || $top{load_module}) {
        $text .= "\nevents { }\n" unless $top{events};
        $main =~ s/^pid .*\n//m if $top{pid};    # the block's own, rewritten
        return $self->load_modules($main . $text);
    }

    my $http;
    if (grep { $HTTP_ONLY{$_} } @top) {
        $http = $text;
    } elsif ($top{location}) {
        $http = mtls_server($S, $alloc->(), $text);
    } else {
        $http = mtls_server($S, $alloc->(),
                            "        location / {\n$text\n        }\n");
    }
    return $self->load_modules("${main}events { }\nhttp {\n"
        . "    certauthz_crl_cache $S/var/lib/nginx/certauthz;\n$http\n}\n");
}

sub check_nginx {
    my ($self, $S, $b) = @_;
    my $conf = "$S/nginx-$b->{line}.conf";
    write_file($conf, $self->nginx_conf($S, $b->{body}));
    my ($rc, $out) = run_capture($self->{nginx}, '-t', '-p', "$S/", '-c', $conf);
    return ($rc == 0, "nginx -t:\n" . $out . "\nthe configuration checked:\n"
            . slurp($conf));
}

sub check_apache {
    my ($self, $S, $b) = @_;
    my $apache = which('apache2') or return (undef, 'apache2 not installed'
                                             . ' (Debian: apache2)');
    my $m = '/usr/lib/apache2/modules';
    my $loads = join '', map { "LoadModule ${_}_module $m/mod_$_.so\n" }
        grep { -e "$m/mod_$_.so" }
        qw(mpm_event authz_core authz_host authz_user authn_core authn_file
           auth_basic access_compat socache_shmcb ssl headers setenvif
           rewrite proxy proxy_http alias mime dir env log_config);
    make_path("$S/apache");
    my $conf = "$S/apache/apache2.conf";
    write_file($conf, <<"EOC" . rewrite_paths($b->{body}, $S) . "\n");
ServerRoot "$S/apache"
ServerName localhost
PidFile $S/apache/apache2.pid
ErrorLog $S/apache/error.log
Mutex file:$S/apache default
DefaultRuntimeDir $S/apache
$loads
EOC
    my ($rc, $out) = run_capture($apache, '-t', '-f', $conf);
    return ($rc == 0, "apache2 -t:\n$out\nthe configuration checked:\n"
            . slurp($conf));
}

sub check_haproxy {
    my ($self, $S, $b) = @_;
    my $haproxy = which('haproxy') or return (undef, 'haproxy not installed'
                                              . ' (Debian: haproxy)');
    my $n = ($ENV{TEST_NGINX_SERVER_PORT} || 1984) + 180;
    my $text = rewrite_ports(rewrite_paths($b->{body}, $S), {}, sub { $n++ });
    my $head = '';
    $head .= "global\n    log stderr format raw local0\n\n"
        unless $text =~ /^\s*global\b/m;
    $head .= "defaults\n    mode http\n    timeout connect 5s\n"
           . "    timeout client 30s\n    timeout server 30s\n\n"
        unless $text =~ /^\s*defaults\b/m;
    my $conf = "$S/haproxy.cfg";
    write_file($conf, $head . $text . "\n");
    my ($rc, $out) = run_capture($haproxy, '-c', '-f', $conf);
    # a fragment without a frontend: valid, though nothing would listen
    $rc = 0 if $rc == 2 && $out =~ /has no error but will not start \(no listener\)/;
    return ($rc == 0, "haproxy -c:\n$out\nthe configuration checked:\n"
            . slurp($conf));
}

sub yaml_parser {
    my $py = which('python3');
    if ($py && system("$py -c 'import yaml' >/dev/null 2>&1") == 0) {
        return [$py, '-c', 'import sys, yaml; '
                . 'list(yaml.safe_load_all(open(sys.argv[1])))'];
    }
    for my $mod (qw(YAML::XS YAML::PP YAML)) {
        if (system($^X, "-M$mod", '-e', '1') == 0) {
            my $load = $mod eq 'YAML::PP' ? 'YAML::PP::LoadFile'
                                          : "${mod}::LoadFile";
            return [$^X, "-M$mod", '-e', "$load(\$ARGV[0])"];
        }
    }
    return undef;
}

sub check_yaml {
    my ($self, $S, $b) = @_;
    $self->{yaml} //= yaml_parser() // 0;
    return (undef, 'no YAML parser: install python3-yaml (Debian) to check'
                   . ' YAML blocks') unless $self->{yaml};
    my $f = "$S/block-$b->{line}.yaml";
    write_file($f, $b->{body});
    my ($rc, $out) = run_capture(@{ $self->{yaml} }, $f);
    return ($rc == 0, $out);
}

my %DOCKER = map { $_ => 1 } qw(FROM RUN CMD LABEL MAINTAINER EXPOSE ENV ADD
    COPY ENTRYPOINT VOLUME USER WORKDIR ARG ONBUILD STOPSIGNAL HEALTHCHECK
    SHELL);

sub check_dockerfile {
    my ($self, $S, $b) = @_;
    my @lines = split /\n/, $b->{body};
    my (@bad, $first, $heredoc, $cont);
    for my $i (0 .. $#lines) {
        my $l = $lines[$i];
        if (defined $heredoc) {
            undef $heredoc if $l =~ /^\s*\Q$heredoc\E\s*$/;
            next;
        }
        if ($cont) {
            $cont = $l =~ /\\\s*$/;
            next;
        }
        next if $l =~ /^\s*(#|$)/;
        my ($kw) = $l =~ /^\s*(\S+)/;
        push @bad, "line " . ($i + 1) . ": \"$kw\" is not a Dockerfile"
                   . " instruction" unless $DOCKER{uc $kw} && $kw eq uc $kw;
        $first //= uc $kw;
        ($heredoc) = $l =~ /<<-?["']?(\w+)["']?/;
        $cont = $l =~ /\\\s*$/;
    }
    push @bad, 'the first instruction must be FROM (or ARG)'
        if defined $first && $first ne 'FROM' && $first ne 'ARG';
    push @bad, 'no instruction' unless defined $first;
    return (!@bad, join "\n", @bad);
}

# ---------------------------------------------------------------------------
# sh recipes

sub wrappers {
    my ($self, $S) = @_;
    my $nginx = $self->{nginx};
    my $curl = which('curl', "$S/bin") // '/usr/bin/curl';
    my $mosq = which('mosquitto') // '/usr/sbin/mosquitto';
    my $conf = qq{-p "$S/usr/share/nginx/" -c "$S/etc/nginx/nginx.conf"};

    write_file("$S/bin/nginx", <<"EOS", 0755);
#!/bin/bash
# nginx of the sandbox $S
case "\$*" in
    "-s reload")
        # as nginx's own: the configuration read, the master told, and
        # back at once; the master is told $self->{reload_delay} s later
        # (a busy machine's slow reload), so that a recipe that does not
        # wait for the new configuration's answer meets the old one
        "$nginx" $conf -t -q || exit 1
        mark=$S/run/reload.pending.\$\$
        touch "\$mark"
        cd / && setsid bash -c 'sleep $self->{reload_delay}; "$S/bin/.reload"; rm -f "\$1"' _ "\$mark" >>"$S/reload.log" 2>&1 </dev/null &
        exit 0 ;;
esac
exec "$nginx" $conf "\$@"
EOS

    # reload: HUP to the master, then wait until its new workers run and
    # the old ones are gone
    write_file("$S/bin/.reload", <<"EOS", 0755);
#!/bin/bash
pid=\$(cat "$S/run/nginx.pid" 2>/dev/null) || { echo "nginx is not running" >&2; exit 1; }
old=" \$(ps -o pid= --ppid "\$pid" | tr -d ' ' | tr '\\n' ' ')"
kill -HUP "\$pid" || exit 1
for i in \$(seq 100); do
    sleep 0.05
    now=" \$(ps -o pid= --ppid "\$pid" | tr -d ' ' | tr '\\n' ' ')"
    new=0; stale=0
    for p in \$now; do case "\$old" in *" \$p "*) stale=1 ;; *) new=1 ;; esac; done
    [ \$new = 1 ] && [ \$stale = 0 ] && exit 0
done
echo "nginx: the reload did not finish" >&2
exit 1
EOS

    write_file("$S/bin/.start-nginx", <<"EOS", 0755);
#!/bin/bash
"$nginx" $conf -t -q || exit 1
"$nginx" $conf || exit 1
for i in \$(seq 100); do [ -s "$S/run/nginx.pid" ] && exit 0; sleep 0.05; done
echo "nginx did not start" >&2; exit 1
EOS

    write_file("$S/bin/.mosquitto", <<"EOS", 0755);
#!/bin/bash
# stop, then start (unless "stop") the sandbox's mosquitto
if [ -s "$S/run/mosquitto.pid" ]; then
    kill "\$(cat "$S/run/mosquitto.pid")" 2>/dev/null
    for i in \$(seq 100); do kill -0 "\$(cat "$S/run/mosquitto.pid")" 2>/dev/null || break; sleep 0.05; done
    rm -f "$S/run/mosquitto.pid"
fi
[ "\$1" = stop ] && exit 0
[ -x "$mosq" ] || { echo "mosquitto is not installed (Debian: mosquitto)" >&2; exit 1; }
ports=\$(cat "$S"/etc/mosquitto/conf.d/*.conf "$S/etc/mosquitto/mosquitto.conf" 2>/dev/null \\
         | sed -n 's/^[[:space:]]*listener[[:space:]]\\+\\([0-9]\\+\\).*/\\1/p')
# without a listener, mosquitto would take the real port 1883 of the
# machine: the sandbox's broker is not started then
[ -n "\$ports" ] || exit 0
mkdir -p "$S/var/log/mosquitto"
setsid "$mosq" -c "$S/etc/mosquitto/mosquitto.conf" \\
    >>"$S/var/log/mosquitto/mosquitto.log" 2>&1 </dev/null &
echo \$! > "$S/run/mosquitto.pid"
for p in \$ports; do
    for i in \$(seq 100); do
        (exec 3<>/dev/tcp/127.0.0.1/\$p) 2>/dev/null && break
        kill -0 "\$(cat "$S/run/mosquitto.pid")" 2>/dev/null \\
            || { echo "mosquitto did not start:" >&2; cat "$S/var/log/mosquitto/mosquitto.log" >&2; exit 1; }
        sleep 0.05
    done
done
exit 0
EOS

    write_file("$S/bin/systemctl", <<"EOS", 0755);
#!/bin/bash
# systemctl, as far as the recipes need it, acting on the sandbox
args=()
now=
for a in "\$@"; do
    case "\$a" in
        --now) now=1 ;;
        -q|--quiet|--no-pager) ;;
        *) args+=("\$a") ;;
    esac
done
verb=\${args[0]:-}
run_unit() {
    local svc=$S/etc/systemd/system/\${1%.*}.service
    [ -f "\$svc" ] || { echo "Unit \${1%.*}.service not found." >&2; return 5; }
    local cmd
    cmd=\$(sed -n 's/^ExecStart=//p' "\$svc" | head -1)
    [ -n "\$cmd" ] || { echo "\$svc: no ExecStart" >&2; return 1; }
    bash -c "\$cmd"
}
for unit in "\${args[@]:1}"; do
    case "\$verb:\${unit%.service}" in
        reload:nginx|reload-or-restart:nginx)
            "$S/bin/nginx" -s reload || exit 1 ;;
        restart:nginx|start:nginx)
            if [ -s "$S/run/nginx.pid" ]; then "$S/bin/nginx" -s reload || exit 1
            else "$S/bin/.start-nginx" || exit 1; fi ;;
        restart:mosquitto|start:mosquitto|reload:mosquitto)
            "$S/bin/.mosquitto" || exit 1 ;;
        stop:mosquitto) "$S/bin/.mosquitto" stop ;;
        enable:*|start:*)
            f=$S/etc/systemd/system/\$unit
            [ -f "\$f" ] || [ -f "\$f.service" ] || { echo "Unit \$unit not found." >&2; exit 5; }
            if [ "\$verb" = start ] || [ -n "\$now" ]; then run_unit "\$unit" || exit 1; fi ;;
        disable:*) ;;
        is-active:*) echo active ;;
        *) echo "systemctl (certauthz docs sandbox): \$verb \$unit is not supported" >&2; exit 1 ;;
    esac
done
[ "\$verb" = daemon-reload ] && exit 0
exit 0
EOS

    write_file("$S/bin/service", <<"EOS", 0755);
#!/bin/bash
exec "$S/bin/systemctl" "\$2" "\$1"
EOS

    write_file("$S/bin/sudo", <<"EOS", 0755);
#!/bin/bash
# the recipes run as root already: drop sudo's options, run the command
while [ \$# -gt 0 ]; do
    case "\$1" in
        -u|-g) shift 2 ;;
        --) shift; break ;;
        -*) shift ;;
        *) break ;;
    esac
done
exec "\$@"
EOS

    write_file("$S/bin/curl", <<"EOS", 0755);
#!/bin/bash
# curl: any host name, on a port the recipe listens on, reaches the sandbox
args=()
while read -r orig new; do
    [ -n "\$orig" ] && args+=(--connect-to ":\$orig:127.0.0.1:\$new")
done < "$S/ports"
exec "$curl" "\${args[@]}" "\$@"
EOS
}

sub sandbox_nginx_conf {
    my ($self, $S) = @_;
    my $user = getpwnam('www-data') ? 'www-data' : 'nobody';
    make_path(map { "$S/etc/nginx/$_" } qw(conf.d sites-available
        sites-enabled modules-enabled modules-available snippets));
    my $mime = -e '/etc/nginx/mime.types' ? slurp('/etc/nginx/mime.types')
        : "types {\n    text/html html;\n    text/plain txt;\n}\n";
    write_file("$S/etc/nginx/mime.types", $mime);

    # as "make install" enables them on Debian
    my $n = 50;
    for my $m (@{ $self->{modules} }) {
        my $name = basename($m, '.so');
        $name =~ s/^ngx_//;
        $name =~ s/_module$//;
        $name =~ s/_/-/g;
        write_file(sprintf("%s/etc/nginx/modules-enabled/%d-mod-%s.conf",
                           $S, $n, $name), "load_module $m;\n");
        $n += 10;
    }

    write_file("$S/etc/nginx/nginx.conf", <<"EOC");
user $user;
worker_processes 2;
pid $S/run/nginx.pid;
error_log $S/var/log/nginx/error.log;
include $S/etc/nginx/modules-enabled/*.conf;

events {
    worker_connections 768;
}

http {
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;

    include $S/etc/nginx/mime.types;
    default_type application/octet-stream;

    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;

    access_log $S/var/log/nginx/access.log;

    # CRLs fetched from URLs: the sandbox's, not the machine's cache
    certauthz_crl_cache $S/var/lib/nginx/certauthz;

    include $S/etc/nginx/conf.d/*.conf;
    include $S/etc/nginx/sites-enabled/*;
}
EOC

    make_path("$S/etc/mosquitto/conf.d", "$S/etc/systemd/system",
              "$S/usr/local/sbin", "$S/usr/local/bin", "$S/etc/cron.d");
    write_file("$S/etc/mosquitto/mosquitto.conf", <<"EOC");
# as Debian's, with the sandbox's paths; the log goes to stderr, which
# the sandbox writes to $S/var/log/mosquitto/mosquitto.log
persistence false
log_dest stderr
include_dir $S/etc/mosquitto/conf.d
EOC
}

sub stop_pidfile {
    my ($file, $sig) = @_;
    my $pid = slurp($file);
    chomp $pid;
    return unless $pid =~ /^\d+$/ && kill 0, $pid;
    kill $sig, $pid;
    for (1 .. 100) {
        last unless kill 0, $pid;
        waitpid $pid, WNOHANG;
        sleep 0.05;
    }
    kill 'KILL', $pid if kill 0, $pid;
}

# the sandbox a document's recipes share, as one machine: set up once,
# with the sandboxed nginx running; returns ($S, error)
sub recipe_sandbox {
    my ($self, $name) = @_;
    my $S = $self->sandbox($name);
    $self->sandbox_nginx_conf($S);
    $self->write_file_blocks($S);
    $self->wrappers($S);
    write_file("$S/ports", '');
    my ($rc, $out) = run_capture("$S/bin/.start-nginx");
    return ($S, $rc == 0 ? undef : "the sandbox nginx did not start:\n$out");
}

# until the reloads a recipe asked for are done (a user takes longer than
# that between two recipes)
sub settle {
    my ($S) = @_;
    my $deadline = time + 10;
    while (time < $deadline) {
        my @pending = glob "$S/run/reload.pending.*";
        last unless @pending;
        sleep 0.05;
    }
}

sub stop_sandbox {
    my ($S) = @_;
    settle($S);
    stop_pidfile("$S/run/mosquitto.pid", 'TERM');
    stop_pidfile("$S/run/nginx.pid", 'QUIT');
    for my $f (glob "$S/run/*.pid") {
        stop_pidfile($f, 'TERM');
    }
}

# what a recipe's clean-up must leave as it found it: the files of the
# system's directories (name => content)
my @SNAPSHOT = qw(etc/nginx etc/mosquitto etc/cron.d etc/systemd/system
                  usr/local/sbin usr/local/bin);

sub snapshot {
    my ($S) = @_;
    my %files;
    for my $d (grep { -d "$S/$_" } @SNAPSHOT) {
        File::Find::find({ no_chdir => 1, wanted => sub {
            return if -d $_;
            (my $rel = $_) =~ s{^\Q$S\E}{};
            $files{$rel} = -l $_ ? 'symlink ' . readlink($_) : slurp($_);
        } }, "$S/$d");
    }
    return \%files;
}

# the differences between two snapshots, one line each ('' if none)
sub snapshot_diff {
    my ($before, $after) = @_;
    my @d;
    for my $f (sort keys %$after) {
        push @d, "left behind: $f" unless exists $before->{$f};
        push @d, "changed: $f" if exists $before->{$f}
                                  && $before->{$f} ne $after->{$f};
    }
    push @d, map { "removed: $_" } grep { !exists $after->{$_} } sort keys %$before;
    return join "\n", @d;
}

# runs the sh blocks of one section as one recipe, in the shared sandbox
# $S, by one "bash -euo pipefail" of its own; %$ports (document port ->
# local port) is the sandbox's, kept from recipe to recipe.  Returns
# { status, output, marks => [pos] } (or { error })
sub run_recipe {
    my ($self, $S, $section, $blocks, $ports) = @_;

    (my $name = $section) =~ s/[^\w.-]+/-/g;
    $name = sprintf '%02d-%s', ++$self->{recipes}, substr($name, 0, 40);
    my $script = "cd \"\$HOME\"\n";
    for my $i (0 .. $#$blocks) {
        my $text = rewrite_ports(rewrite_paths($blocks->[$i]{body}, $S),
                                 $ports);
        $script .= "# --- block at line $blocks->[$i]{line}\n$text\n"
                 . "printf '\\n\@\@certauthz-docs-block $i\@\@\\n'\n";
    }
    write_file("$S/ports", join '', map { "$_ $ports->{$_}\n" } sort keys %$ports);
    write_file("$S/recipe-$name.sh", $script);

    my $out = "$S/recipe-$name.out";
    my %res;
    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        setsid();
        chdir "$S/home";
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out or POSIX::_exit(126);
        open STDERR, '>&', \*STDOUT;
        $ENV{HOME} = "$S/home";
        $ENV{PATH} = "$S/bin:$S/usr/local/sbin:$S/usr/local/bin:$ENV{PATH}";
        $ENV{TMPDIR} = "$S/tmp";
        $ENV{CERTAUTHZ_DOCS_SANDBOX} = $S;
        # the wrapper of the sanitizer run (t/lib/nginx-sanitized) keeps
        # what it needs: the nginx it runs and the runtime it preloads
        delete @ENV{grep { /^TEST_NGINX|^CERTAUTHZ_(?!DOCS|PRELOAD$|NGINX$)/ }
                    keys %ENV};
        exec 'bash', '-euo', 'pipefail', "$S/recipe-$name.sh" or POSIX::_exit(127);
    }

    my $deadline = time + $self->{timeout};
    my $status;
    while (1) {
        my $w = waitpid $pid, WNOHANG;
        if ($w == $pid) { $status = $?; last; }
        if (time > $deadline) {
            kill 'KILL', -$pid;
            waitpid $pid, 0;
            $res{error} = "the recipe ran longer than $self->{timeout} s";
            last;
        }
        sleep 0.05;
    }
    kill 'TERM', -$pid;    # whatever the recipe left in its group
    settle($S);

    my $output = unrewrite(slurp($out), $S, $ports);
    my @marks;
    while ($output =~ /\n?\@\@certauthz-docs-block (\d+)\@\@\n/g) {
        $marks[$1] = $-[0];
    }
    $res{status} = $status;
    $res{output} = $output;
    $res{marks} = \@marks;
    return \%res;
}

# "..." lines skipped, the others in order, each in one output line
sub match_text {
    my ($expected, $output) = @_;
    my @out = split /\r?\n/, $output;
    my $at = 0;
    for my $want (split /\n/, $expected) {
        $want =~ s/^\s+|\s+$//g;
        next if $want eq '...' || $want eq '';
        my $found;
        for my $i ($at .. $#out) {
            if (index($out[$i], $want) >= 0) {
                $found = $i;
                last;
            }
        }
        return "not found (in order): \"$want\"" unless defined $found;
        $at = $found + 1;
    }
    return undef;
}

# ---------------------------------------------------------------------------
# a whole document

sub check_document {
    my ($self, $file, $label) = @_;
    my @blocks = parse($file);
    $label //= $file;

    for my $b (@blocks) {
        $b->{name} = "$label:$b->{line} $b->{lang}"
                   . join('', map { " $_=$b->{attrs}{$_}" } sort keys %{ $b->{attrs} });
    }

    # unknown languages
    for my $b (grep { !$LANGS{$_->{lang}} } @blocks) {
        fail($b->{name});
        diag("$label:$b->{line}: unknown language \"$b->{lang}\" (one of: "
             . join(', ', sort keys %LANGS) . ')');
    }
    @blocks = grep { $LANGS{$_->{lang}} } @blocks;

    $self->{file_blocks} = [grep { ($_->{lang} eq 'nginx' || $_->{lang} eq 'text')
                                   && defined $_->{attrs}{file} } @blocks];
    for my $b (@{ $self->{file_blocks} }) {
        if ($b->{attrs}{file} !~ m{^/etc/nginx/}) {
            fail($b->{name});
            diag("$label:$b->{line}: file=$b->{attrs}{file}: files go under /etc/nginx/");
        }
    }

    # configuration blocks, in one sandbox
    my $S = $self->sandbox(basename($file) . '-config');
    $self->install_pki($S);
    $self->write_file_blocks($S);

    my %check = (nginx => \&check_nginx, apache => \&check_apache,
                 haproxy => \&check_haproxy, yaml => \&check_yaml,
                 dockerfile => \&check_dockerfile);
    for my $b (@blocks) {
        next unless $check{$b->{lang}};
        if ($b->{attrs}{file}) {
            pass("$b->{name} (written for the other blocks)");
            next;
        }
        my ($ok, $why) = $check{$b->{lang}}->($self, $S, $b);
        if (!defined $ok) {
            SKIP: { skip "$b->{name}: $why", 1; }
            next;
        }
        ok($ok, $b->{name}) or diag("$label:$b->{line} ($b->{section}):\n$why");
    }

    # literal text blocks
    for my $b (grep { $_->{lang} eq 'text' && !$_->{follows_sh} } @blocks) {
        pass("$b->{name} (" . ($b->{attrs}{file} ? 'a file' : 'literal') . ')');
    }

    # sh recipes, one per section; text blocks right after an sh block
    my (@sections, %by);
    for my $b (grep { $_->{lang} eq 'sh'
                      || ($_->{lang} eq 'text' && $_->{follows_sh}) } @blocks) {
        push @sections, $b->{section} unless $by{$b->{section}};
        push @{ $by{$b->{section}} }, $b;
    }

    # the recipes, in the document's order, in one sandbox: one machine on
    # which a user follows the document from its start, each recipe in a
    # shell of its own
    my $have_step = which('step');
    my @recipes;
    for my $section (@sections) {
        my (@run, %checks, $last);
        for my $b (@{ $by{$section} }) {
            if ($b->{lang} eq 'sh') {
                if (($b->{attrs}{needs} // '') eq 'step' && !$have_step) {
                    $last = undef;
                    SKIP: { skip "$b->{name}: needs the step CLI (smallstep),"
                                 . " which is not installed", 1; }
                    next;
                }
                if (defined $b->{attrs}{needs} && $b->{attrs}{needs} ne 'step') {
                    fail($b->{name});
                    diag("$label:$b->{line}: unknown needs=$b->{attrs}{needs}");
                    $last = undef;
                    next;
                }
                push @run, $b;
                $last = $#run;
            } else {
                if (!defined $last) {
                    SKIP: { skip "$b->{name}: the output of a skipped block", 1; }
                    next;
                }
                push @{ $checks{$last} }, $b;
            }
        }
        push @recipes, [$section, \@run, \%checks] if @run;
    }
    return unless @recipes;

    my ($RS, $error) = $self->recipe_sandbox(basename($file) . '-recipes');
    if ($error) {
        fail("$_->{name}") for map { @{ $_->[1] } } @recipes;
        diag("$label: $error");
        stop_sandbox($RS);
        return;
    }
    my %ports;

    for my $recipe (@recipes) {
        my ($section, $run, $checks) = @$recipe;
        my @run = @$run;
        my %checks = %$checks;
        my $before = snapshot($RS);

        my $t0 = time;
        my $r = $self->run_recipe($RS, $section, \@run, \%ports);
        note sprintf "recipe \"%s\": %.1f s", $section, time - $t0;

        if ($r->{error} && !defined $r->{output}) {
            fail("$_->{name}") for @run;
            diag("$label, section \"$section\": $r->{error}");
            next;
        }

        my $shown;
        for my $i (0 .. $#run) {
            my $b = $run[$i];
            my $done = defined $r->{marks}[$i];
            ok($done, "$b->{name} ($section)") or do {
                my $status = $r->{status} // -1;
                diag("$label:$b->{line}: this block failed (exit status "
                     . ($status >> 8) . ($status & 127 ? ", signal " . ($status & 127) : '')
                     . ($r->{error} ? ", $r->{error}" : '') . ")"
                     . ($shown++ ? '' : "; the recipe's output:\n$r->{output}"));
            };
            for my $t (@{ $checks{$i} || [] }) {
                if (!$done) {
                    fail("$t->{name} (output of line $b->{line})");
                    next;
                }
                # what the sh block above printed (not what earlier ones did:
                # a "403" expected here must not be met by an earlier one)
                my $from = $i ? $r->{marks}[$i - 1] : 0;
                my $own = substr($r->{output}, $from, $r->{marks}[$i] - $from);
                $own =~ s/^\n?\@\@certauthz-docs-block \d+\@\@\n//;
                my $why = match_text($t->{body}, $own);
                ok(!defined $why, "$t->{name} (output of line $b->{line})")
                    or diag("$label:$t->{line}: $why\nthe output of the block at"
                            . " line $b->{line}:\n$own");
            }
        }
        if ($r->{marks}[-1] && defined $r->{status} && $r->{status} != 0) {
            fail("$label, section \"$section\": the recipe ends well");
            diag($r->{output});
        }
        # its clean-up, the last block, took away what it put in place
        if (defined $r->{marks}[$#run]) {
            my $diff = snapshot_diff($before, snapshot($RS));
            ok($diff eq '', "$label, section \"$section\": its clean-up leaves"
                            . " the system as the recipe found it")
                or diag($diff);
        }
    }
    stop_sandbox($RS);
}

1;
