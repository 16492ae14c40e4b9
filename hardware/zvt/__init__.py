"""ZVT (the ECR interface of German card terminals, PA00P015) in small layers:

- apdu: APDUs (length rules, extended length) and the RS232 frame (DLE stuffing, CRC-CCITT);
- fields: BCD, the BMP table (fixed, LLVAR, LLLVAR), the TLV container;
- messages: the commands the till sends and the terminal's messages as typed values;
- client: one terminal over TCP, one command from start to Completion/Abort;
- worker: the terminal's one dedicated thread and its abstract handler.

No Qt. Why our own: wirelane/ecrterm (the one Python implementation in the open) is LGPL and mixes
transport, parsing and printing in classes built around serial ports; what the till needs is a
few hundred lines with typed results, strict parsing and the recovery rule of pos_app.card_payments.
"""
