#!/usr/bin/perl
# podnet's container shim (conmon's role), the light twin of container-shim.ts (same files,
# same formats, ~5 MB instead of a Node process per container):
#   perl container-shim.pl <pidFile> <exitFile> <logFile> <command> [args...]
# Starts <command> in its own process group with the environment it was given, writes its pid,
# appends its stdout/stderr to <logFile> in the CRI format (<RFC3339Nano> <stream> <P|F> <line>,
# lines cut at 16 KiB), and on exit writes {"exitCode","signal"?,"reason","finishedAt"} to
# <exitFile> (through a rename, so readers never see half a record).
use strict;
use warnings;
use POSIX ();
use IO::Select;
use Time::HiRes ();
use Config;
use Fcntl qw(F_SETFD);

my ($pid_file, $exit_file, $log_file, @cmd) = @ARGV;
die "usage: container-shim.pl <pidFile> <exitFile> <logFile> <command> [args...]\n" unless @cmd;
my $MAX_LINE = 16 * 1024;
my @SIG_NAMES = split ' ', $Config{sig_name};

sub rfc3339nano {
    my ($t) = @_;
    my $sec = int($t);
    my $frac = sprintf('%09d', int(($t - $sec) * 1e9));
    $frac =~ s/0+$//;
    return POSIX::strftime('%Y-%m-%dT%H:%M:%S', gmtime($sec)) . ($frac eq '' ? '' : ".$frac") . 'Z';
}

sub write_atomic {
    my ($path, $text) = @_;
    open(my $fh, '>', "$path.tmp") or die "shim: Cannot write $path.tmp: $!\n";
    print $fh $text;
    close($fh);
    rename("$path.tmp", $path) or die "shim: Cannot rename $path.tmp: $!\n";
}

open(my $log, '>>', $log_file) or die "shim: Cannot open log $log_file: $!\n";
$log->autoflush(1);
sub record {
    my ($stream, $tag, $line) = @_;
    print $log rfc3339nano(Time::HiRes::time()) . " $stream $tag $line\n";
}

pipe(my $out_r, my $out_w) or die "shim: pipe: $!\n";
pipe(my $err_r, my $err_w) or die "shim: pipe: $!\n";
# fd 3 of the container's init: it writes "ready" there once its mounts are in place.
pipe(my $ready_r, my $ready_w) or die "shim: pipe: $!\n";
my $pid = fork();
die "shim: fork: $!\n" unless defined $pid;
if ($pid == 0) {
    POSIX::setpgid(0, 0);
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>&', $out_w);
    open(STDERR, '>&', $err_w);
    close($out_r);
    close($err_r);
    close($ready_r);
    # dup2 clears close-on-exec; a pipe already at 3 needs it cleared by hand.
    if (fileno($ready_w) == 3) { fcntl($ready_w, F_SETFD, 0); } else { POSIX::dup2(fileno($ready_w), 3); }
    { no warnings 'exec'; exec { $cmd[0] } @cmd; }
    print STDERR "podnet: Cannot start $cmd[0]: $!\n";
    POSIX::_exit(127);
}
close($out_w);
close($err_w);
close($ready_w);
# The pid tells the agent (probes, exec) the container is there: only once its setup is done,
# or it failed (the pipe closes), or 5 s passed (the agent waits 10 s for the pid).
# $ready_r stays open: a late "ready" must not meet a closed pipe (SIGPIPE would kill the init).
IO::Select->new($ready_r)->can_read(5);
write_atomic($pid_file, "$pid\n");

my %stream = (fileno($out_r) => 'stdout', fileno($err_r) => 'stderr');
my %pending = (stdout => '', stderr => '');
my $sel = IO::Select->new($out_r, $err_r);
my ($status, $exited_at);

sub drain {
    my ($name, $final) = @_;
    while ((my $nl = index($pending{$name}, "\n")) >= 0) {
        my $line = substr($pending{$name}, 0, $nl);
        substr($pending{$name}, 0, $nl + 1) = '';
        while (length($line) > $MAX_LINE) {
            record($name, 'P', substr($line, 0, $MAX_LINE));
            substr($line, 0, $MAX_LINE) = '';
        }
        record($name, 'F', $line);
    }
    while (length($pending{$name}) > $MAX_LINE) {
        record($name, 'P', substr($pending{$name}, 0, $MAX_LINE));
        substr($pending{$name}, 0, $MAX_LINE) = '';
    }
    if ($final && $pending{$name} ne '') {
        record($name, 'F', $pending{$name});
        $pending{$name} = '';
    }
}

# Read until both pipes close; once the container has exited, background children holding the
# pipes open get at most one more second.
while ($sel->count > 0) {
    for my $fh ($sel->can_read(0.2)) {
        my $name = $stream{fileno($fh)};
        my $n = sysread($fh, my $buf, 65536);
        if (!$n) {
            $sel->remove($fh);
            drain($name, 1);
            next;
        }
        $pending{$name} .= $buf;
        drain($name, 0);
    }
    if (!defined $status && waitpid($pid, POSIX::WNOHANG()) == $pid) {
        $status = $?;
        $exited_at = Time::HiRes::time();
    }
    last if defined $exited_at && Time::HiRes::time() - $exited_at > 1;
}
drain($_, 1) for qw(stdout stderr);
if (!defined $status) {
    waitpid($pid, 0);
    $status = $?;
    $exited_at = Time::HiRes::time();
}

my ($code, $signal);
if ($status & 127) {
    $signal = 'SIG' . $SIG_NAMES[$status & 127];
    $code = 128 + ($status & 127);
} else {
    $code = $status >> 8;
}
my $reason = $code == 0 ? 'Completed' : 'Error';
my $sig_json = defined $signal ? qq("signal":"$signal",) : '';
write_atomic($exit_file, qq({"exitCode":$code,$sig_json"reason":"$reason","finishedAt":") . rfc3339nano($exited_at) . qq("}\n));
exit 0;
