-- Module appointments: the server's sweep looks for waiting-list offers past their time
-- every WEIJIAN_SWEEP_SECONDS; this partial index holds only the open offers, so the
-- look costs nothing however many appointments there are.
CREATE INDEX appointments_offers ON appointments(offer_expires_at) WHERE status = 'offered';
