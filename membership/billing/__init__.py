"""Money services: invoices, payment attempts, gateway notifications, dues, reminders, receipts.

One module per area; import from the module itself (nothing is re-exported here):

- ``invoices``: creating and closing invoices, receipt numbers, and the paid-invoice rule
  for one invoice (``mark_invoice_paid``); ``paid_invoices``: the same rule for many at once
  (``mark_invoices_paid``, the bank-transfer import);
- ``payments``: the member's payment attempts (start, checkout, cancel) and the staff's
  manual payment (窓口 / 振込 / ゆうちょ);
- ``attempts``: voiding attempts at the gateway (AlterTran VOID, CvsCancel) before they close
  here, for the member's cancel and for staff paying, exempting or cancelling an invoice;
- ``notifications``: the gateway's result notifications, reconciling attempts, and staff
  resolving a flagged notification;
- ``dues``: the dues roll of a fiscal year (preview, billing, background runs);
- ``reminders``: dues reminder mails (督促);
- ``receipts``: receipts (領収書) as PDF;
- ``invoice_documents``: 請求書 for unpaid invoices (addressee, tax lines, fixed at first issue);
  ``invoice_document_batches``: a fiscal year's 請求書 as one PDF or a ZIP, in the background;
- ``tasks``: the background tasks (paid mail, store numbers mail, reminders, dues runs);
- ``errors``: ``BillingError``; ``sql``: the plain-SQL helpers of the hot paths.

Each service runs in a transaction, locks the rows it changes (payment before invoice before
receipt counter, always in that order), re-checks their state, writes its audit entry with the
acting user, and queues mails through ``core.outbox`` so that they exist exactly when the
transaction commits. Views and admin actions call these; they never write money rows.
"""
