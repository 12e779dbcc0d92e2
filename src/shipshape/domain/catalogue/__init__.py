"""The catalogue of domain events: one typed class per event type, named as it is stored.

Each event knows its type name (`TYPE`), its time, its JSON payload, the order it belongs to
(`order_id`, None for a wave or a reconciliation run), the key that orders it (`stream`) and
the objects it touches (`objects()`). `CATALOGUE` maps the stored names to the classes,
`describe()` says what each holds, and `objects_of_stored` gives the links of an event stored
before the catalogue existed.
"""

from shipshape.domain.catalogue.base import ALL_OBJECT_TYPES, DomainEvent, ObjectRef, OrderEvent
from shipshape.domain.catalogue.billing import (
    CreditNoteIssued,
    InvoiceIssued,
    InvoicePosted,
    InvoicePostRequested,
    InvoiceRejected,
    PaymentReceived,
)
from shipshape.domain.catalogue.capture import (
    ControlsEvaluated,
    DuplicateOrderReceived,
    ExceptionOpened,
    ExceptionRecurred,
    OrderAccepted,
    OrderHeld,
    OrderReceived,
    StockReleased,
    StockReserved,
)
from shipshape.domain.catalogue.changes import OrderAmended, OrderCancelled, OrderStatusChanged
from shipshape.domain.catalogue.communication import CustomerNotified
from shipshape.domain.catalogue.delivery import (
    DeliveryDiscrepancy,
    DeliveryFailed,
    DeliveryMilestone,
    RedeliveryRequested,
    ShipmentDelivered,
)
from shipshape.domain.catalogue.desk import (
    CaseEvent,
    ExceptionActed,
    ExceptionAssigned,
    ExceptionEscalated,
    ExceptionPaused,
    ExceptionResolved,
    ExceptionResumed,
)
from shipshape.domain.catalogue.edi import (
    AsnSent,
    EdiDocumentFailed,
    EdiDocumentNotSent,
    EdiInvoiceSent,
    OrderResponseSent,
)
from shipshape.domain.catalogue.edi_changes import EdiOrderChangeReceived
from shipshape.domain.catalogue.integration import (
    IntegrationFailed,
    SystemCalled,
    SystemEventReceived,
    SystemEventRefused,
)
from shipshape.domain.catalogue.picking import (
    LotNonCompliant,
    LotRecord,
    PickConfirmed,
    PickedLine,
    PickedLot,
    ShortPickBackordered,
    ShortPickResourced,
    SiteQuantity,
)
from shipshape.domain.catalogue.promise import OrderPromised, PromiseAtRisk, PromiseRecovered
from shipshape.domain.catalogue.recommend import RecommendationAccepted, RecommendationRejected
from shipshape.domain.catalogue.reconciliation import ReconciliationFinding, ReconciliationRun
from shipshape.domain.catalogue.registry import CATALOGUE, describe, objects_of_stored
from shipshape.domain.catalogue.release import (
    OrderPulledFromWave,
    OrderReleased,
    TaskCancelRequested,
    WaveLine,
    WaveOrder,
    WaveReleased,
)
from shipshape.domain.catalogue.returns import ReturnAuthorised, ReturnDisputed, ReturnReceived
from shipshape.domain.catalogue.risk import OrderRiskScored
from shipshape.domain.catalogue.shipping import (
    CarrierTendered,
    CarrierTenderRequested,
    PackedLine,
    ShipmentConfirmed,
    SitePicks,
    TenderCancelRequested,
    TenderedGoods,
    TenderLine,
)
from shipshape.domain.catalogue.text import MessageClassified

__all__ = [
    "ALL_OBJECT_TYPES",
    "CATALOGUE",
    "AsnSent",
    "CarrierTenderRequested",
    "CarrierTendered",
    "CaseEvent",
    "ControlsEvaluated",
    "CreditNoteIssued",
    "CustomerNotified",
    "DeliveryDiscrepancy",
    "DeliveryFailed",
    "DeliveryMilestone",
    "DomainEvent",
    "DuplicateOrderReceived",
    "EdiDocumentFailed",
    "EdiDocumentNotSent",
    "EdiInvoiceSent",
    "EdiOrderChangeReceived",
    "ExceptionActed",
    "ExceptionAssigned",
    "ExceptionEscalated",
    "ExceptionOpened",
    "ExceptionPaused",
    "ExceptionRecurred",
    "ExceptionResolved",
    "ExceptionResumed",
    "IntegrationFailed",
    "InvoiceIssued",
    "InvoicePostRequested",
    "InvoicePosted",
    "InvoiceRejected",
    "LotNonCompliant",
    "LotRecord",
    "MessageClassified",
    "ObjectRef",
    "OrderAccepted",
    "OrderAmended",
    "OrderCancelled",
    "OrderEvent",
    "OrderHeld",
    "OrderPromised",
    "OrderPulledFromWave",
    "OrderReceived",
    "OrderReleased",
    "OrderResponseSent",
    "OrderRiskScored",
    "OrderStatusChanged",
    "PackedLine",
    "PaymentReceived",
    "PickConfirmed",
    "PickedLine",
    "PickedLot",
    "PromiseAtRisk",
    "PromiseRecovered",
    "RecommendationAccepted",
    "RecommendationRejected",
    "ReconciliationFinding",
    "ReconciliationRun",
    "RedeliveryRequested",
    "ReturnAuthorised",
    "ReturnDisputed",
    "ReturnReceived",
    "ShipmentConfirmed",
    "ShipmentDelivered",
    "ShortPickBackordered",
    "ShortPickResourced",
    "SitePicks",
    "SiteQuantity",
    "StockReleased",
    "StockReserved",
    "SystemCalled",
    "SystemEventReceived",
    "SystemEventRefused",
    "TaskCancelRequested",
    "TenderCancelRequested",
    "TenderLine",
    "TenderedGoods",
    "WaveLine",
    "WaveOrder",
    "WaveReleased",
    "describe",
    "objects_of_stored",
]
