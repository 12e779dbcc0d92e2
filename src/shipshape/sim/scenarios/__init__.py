"""What `shipshape demo` plays after the sample day is ingested: the orders mirrored to a
misbehaving ERP (`integration`), then released and carried to cash through simulated systems
with injected faults (`journey`); `systems` names those systems' settings."""
