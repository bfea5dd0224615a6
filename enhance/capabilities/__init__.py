"""What each live worker process can run: capability records published with its heartbeat.

Web hosts have no weights and no GPU; they decide availability and size limits from these
records (enhance.availability), and workers claim only the jobs their own record covers."""
